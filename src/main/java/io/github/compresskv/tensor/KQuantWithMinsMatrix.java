package io.github.compresskv.tensor;

import java.lang.foreign.MemorySegment;

import static io.github.compresskv.tensor.Simd.INT;

/**
 * Q4_K and Q5_K: super-blocks that start with {half d; half dmin; u8 scales[12]} (8 sub-blocks of 32, 6-bit
 * scales and mins packed as ggml's get_scale_min_k4) and whose values are (d·scale)·q − dmin·min.
 */
abstract class KQuantWithMinsMatrix extends KQuantMatrix {

    KQuantWithMinsMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        super(type, data, rows, cols);
    }

    @Override
    final float chunkDot(QuantScratch s, int n, float[] x, int xOffset) {
        return GroupKernels.dot32WithMins(s.q, s.scale, s.min, n / 32, x, xOffset);
    }

    @Override
    final void chunkDequantize(QuantScratch s, int n, float[] dst, int dstOffset) {
        GroupKernels.dequantize32WithMins(s.q, s.scale, s.min, n / 32, dst, dstOffset);
    }

    /**
     * The first pass of the integer kernels: for the row's super-blocks of {@code blockBytes} from byte {@code base},
     * each sub-block's scale times its activation block's scale (d · sc · d_x) into {@code scale}, and the returned
     * sum of the min terms Σ dmin · m · (d_x · Σq_x), which the kernels subtract at the end.
     */
    final float integerScales(long base, int blockBytes, Q8Activations x, float[] scale) {
        int blocks = cols / BLOCK;
        float[] xd = x.d, xs = x.dsum;
        float minTotal = 0f;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * blockBytes;
            float d = half(o), dmin = half(o + 2);
            int w0 = data.get(INT, o + 4), w1 = data.get(INT, o + 8), w2 = data.get(INT, o + 12);
            long scales = KScales.scales(w0, w2), mins = KScales.mins(w1, w2);
            int xb = 8 * b;
            for (int j = 0; j < 8; j++) scale[xb + j] = d * KScales.at(scales, j) * xd[xb + j];
            // a tree of independent products: a running sum would be a chain of dependent scalar FMAs
            float minSum = ((KScales.at(mins, 0) * xs[xb] + KScales.at(mins, 1) * xs[xb + 1])
                    + (KScales.at(mins, 2) * xs[xb + 2] + KScales.at(mins, 3) * xs[xb + 3]))
                    + ((KScales.at(mins, 4) * xs[xb + 4] + KScales.at(mins, 5) * xs[xb + 5])
                    + (KScales.at(mins, 6) * xs[xb + 6] + KScales.at(mins, 7) * xs[xb + 7]));
            minTotal += dmin * minSum;
        }
        return minTotal;
    }

    /** Writes super-block b's 8 sub-block scales (d·sc) and mins (dmin·m), read from the block at byte offset o. */
    final void decodeScalesAndMins(long o, int b, QuantScratch s) {
        float d = half(o);
        float dmin = half(o + 2);
        int w0 = data.get(INT, o + 4), w1 = data.get(INT, o + 8), w2 = data.get(INT, o + 12);
        long scales = KScales.scales(w0, w2);
        long mins = KScales.mins(w1, w2);
        for (int j = 0; j < 8; j++) {
            s.scale[8 * b + j] = d * KScales.at(scales, j);
            s.min[8 * b + j] = dmin * KScales.at(mins, j);
        }
    }
}
