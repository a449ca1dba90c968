package io.github.compresskv.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The K-quant types (256-element super-blocks): a row is processed in chunks of {@link QuantScratch#CHUNK}
 * weights, each first unpacked byte-wise into the thread's {@link QuantScratch} (quants, sub-block scales and
 * mins) by the type's {@link #decode}, then handed to a shared float kernel of {@link GroupKernels}. (A fused
 * single-pass kernel is too large for C2 to compile well and ran 1.4× slower.)
 */
abstract class KQuantMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    private final int blockBytes;

    KQuantMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        super(type, data, rows, cols);
        this.blockBytes = type.typeSize();
    }

    /** Unpacks {@code blocks} super-blocks starting at byte offset {@code off} into {@code s}. */
    abstract void decode(long off, int blocks, QuantScratch s);

    /** One row against activations quantized to int8 blocks: the integer decode kernel every K-quant type has. */
    abstract float dotQ8(int row, Q8Activations x);

    @Override
    final boolean integerDot() {
        return Q8Activations.ENABLED;
    }

    @Override
    final void dotPairQ8(int rowA, int rowB, Q8Activations x, float[] y, int yA, int yB) {
        y[yA] = dotQ8(rowA, x);
        y[yB] = dotQ8(rowB, x);
    }

    /** Dot product of {@code n} unpacked weights in {@code s} with x[xOffset ..]. */
    abstract float chunkDot(QuantScratch s, int n, float[] x, int xOffset);

    /** Writes {@code n} unpacked weights of {@code s} as floats to dst[dstOffset ..]. */
    abstract void chunkDequantize(QuantScratch s, int n, float[] dst, int dstOffset);

    @Override
    public final float dot(int row, float[] x, int xOffset) {
        QuantScratch s = QuantScratch.get();
        long base = row * rowBytes;
        float sum = 0f;
        for (int c = 0; c < cols; c += QuantScratch.CHUNK) {
            int n = Math.min(QuantScratch.CHUNK, cols - c);
            decode(base + (long) (c / BLOCK) * blockBytes, n / BLOCK, s);
            sum += chunkDot(s, n, x, xOffset + c);
        }
        return sum;
    }

    @Override
    public final void dequantizeRow(int row, float[] dst, int dstOffset) {
        QuantScratch s = QuantScratch.get();
        long base = row * rowBytes;
        for (int c = 0; c < cols; c += QuantScratch.CHUNK) {
            int n = Math.min(QuantScratch.CHUNK, cols - c);
            decode(base + (long) (c / BLOCK) * blockBytes, n / BLOCK, s);
            chunkDequantize(s, n, dst, dstOffset + c);
        }
    }
}
