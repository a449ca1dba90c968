package io.github.compresskv.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.HALF;
import static io.github.compresskv.tensor.Simd.I;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.S;

/**
 * IEEE half-precision weights. The Vector API has no half → float conversion, so the dot and dequantizeRow convert
 * lane-wise with integer ops (see {@link VectorMath#dotF16}); heap segments and row tails use {@link Float#float16ToFloat}.
 */
final class F16Matrix extends WeightMatrix {

    F16Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long base = row * rowBytes;
        if (!data.isNative()) return heapDot(base, x, xOffset);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int i = 0;
        for (; i + L <= cols; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, base + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            // half → float: magnitude bits moved up and scaled by 2^112 (exact for normals and
            // subnormals); exponent 31 (Inf/NaN) gets the all-ones float exponent; sign copied
            IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            FloatVector w = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                    .or(h.and(0x80000000)).reinterpretAsFloats();
            FloatVector next = w.fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            acc0 = acc1;
            acc1 = next;
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) s += Float.float16ToFloat(data.get(HALF, base + 2L * i)) * x[xOffset + i];
        return s;
    }

    /** {@link #dot} of two rows in one loop (two weight streams), each with the same operations in the same order. */
    @Override
    protected void dotPair(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        if (!data.isNative()) {
            super.dotPair(rowA, rowB, x, y, yA, yB);
            return;
        }
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        int i = 0;
        for (; i + L <= cols; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, i);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, baseA + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            FloatVector w = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                    .or(h.and(0x80000000)).reinterpretAsFloats();
            FloatVector nextA = w.fma(xv, a0);
            h = (IntVector) ShortVector.fromMemorySegment(S, data, baseB + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            w = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                    .or(h.and(0x80000000)).reinterpretAsFloats();
            FloatVector nextB = w.fma(xv, b0);
            a0 = a1;
            a1 = nextA;
            b0 = b1;
            b1 = nextB;
        }
        float sa = a0.add(a1).reduceLanes(VectorOperators.ADD), sb = b0.add(b1).reduceLanes(VectorOperators.ADD);
        for (int k = i; k < cols; k++) {
            sa += Float.float16ToFloat(data.get(HALF, baseA + 2L * k)) * x[k];
            sb += Float.float16ToFloat(data.get(HALF, baseB + 2L * k)) * x[k];
        }
        y[yA] = sa;
        y[yB] = sb;
    }

    /** Heap segments: short vector loads from a byte[]-backed segment are not intrinsified; go through an array. */
    private float heapDot(long base, float[] x, int xOffset) {
        short[] buf = QuantScratch.get().shorts;
        float s = 0f;
        for (int c = 0; c < cols; c += QuantScratch.CHUNK) {
            int n = Math.min(QuantScratch.CHUNK, cols - c);
            MemorySegment.copy(data, HALF, base + 2L * c, buf, 0, n);
            s += VectorMath.dotF16(buf, 0, x, xOffset + c, n);
        }
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        int i = 0;
        if (data.isNative()) {
            // the conversion of dot, vector by vector: the scalar loop over the segment is not vectorized by C2, and the
            // prefill matmul dequantizes every tile of every chunk (a quarter of an F16 prefill went here)
            for (; i + L <= cols; i += L) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, base + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
                magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                        .or(h.and(0x80000000)).reinterpretAsFloats().intoArray(dst, dstOffset + i);
            }
        }
        for (; i < cols; i++) dst[dstOffset + i] = Float.float16ToFloat(data.get(HALF, base + 2L * i));
    }
}
