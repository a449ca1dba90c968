package io.github.compresskv.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.github.compresskv.tensor.Simd.B;
import static io.github.compresskv.tensor.Simd.BL;
import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.HALF;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.PARTS;

/** ggml block_q8_0: {half d; int8 qs[32]}, value = qs[i] · d. */
final class Q8_0Matrix extends WeightMatrix {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        // two accumulators taken in turn: the per-block scale FMAs form two independent chains
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int xo = xOffset + b * BLOCK;
            // the block's first product is a multiply, not an FMA into zero: one step less in the chain
            ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2, LE);
            FloatVector s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xo));
            if (PARTS == 2) s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xo + L), s);
            for (int j = BL; j < BLOCK; j += BL) {
                q = ByteVector.fromMemorySegment(B, data, off + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xo + j + p * L), s);
                }
            }
            FloatVector next = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, off))), acc0);
            acc0 = acc1;
            acc1 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dot} of two rows in one loop, each with the same operations in the same order. */
    @Override
    protected void dotPair(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            ByteVector qa = ByteVector.fromMemorySegment(B, data, offA + 2, LE), qb = ByteVector.fromMemorySegment(B, data, offB + 2, LE);
            FloatVector xv = FloatVector.fromArray(F, x, xo);
            FloatVector sa = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector sb = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            if (PARTS == 2) {
                xv = FloatVector.fromArray(F, x, xo + L);
                sa = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, 1)).fma(xv, sa);
                sb = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, 1)).fma(xv, sb);
            }
            for (int j = BL; j < BLOCK; j += BL) {
                qa = ByteVector.fromMemorySegment(B, data, offA + 2 + j, LE);
                qb = ByteVector.fromMemorySegment(B, data, offB + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    xv = FloatVector.fromArray(F, x, xo + j + p * L);
                    sa = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, p)).fma(xv, sa);
                    sb = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, p)).fma(xv, sb);
                }
            }
            // the scales read here rather than through half(): this kernel is past C2's inlining node budget, and only
            // @ForceInline methods are inlined beyond it (an out-of-line half() halved the speed)
            FloatVector nextA = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a0);
            FloatVector nextB = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b0);
            a0 = a1;
            a1 = nextA;
            b0 = b1;
            b1 = nextB;
        }
        y[yA] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        y[yB] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int o = dstOffset + b * BLOCK;
            FloatVector d = FloatVector.broadcast(F, half(off));
            for (int j = 0; j < BLOCK; j += BL) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + j + p * L);
                }
            }
        }
    }
}
