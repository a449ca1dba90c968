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

    /** 16 float lanes (512-bit vectors): a block is two 16-byte loads, and {@link #dotPair} has a straight-line kernel. */
    private static final boolean SIXTEEN_LANES = L == 16;

    /**
     * {@link #dot} of two rows in one loop, each with the same operations in the same order (even blocks into the
     * first accumulator, odd blocks into the second, as in {@code dot}).
     */
    @Override
    protected void dotPair(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        if (SIXTEEN_LANES) dotPairSixteenLanes(rowA, rowB, x, y, yA, yB);
        else dotPairByBlock(rowA, rowB, x, y, yA, yB);
    }

    /**
     * Two blocks per iteration, no inner loops: C2 does not unroll the one-block loop (and moves the accumulators
     * between registers every block); unrolled by hand, decode runs faster (docs/performance.md).
     * Written generically with inner loops, the same unrolling lost the range-check elimination and ran 1.5× slower.
     */
    private void dotPairSixteenLanes(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
            FloatVector sa = ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            FloatVector sb = ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            a0 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a0);
            b0 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b0);
            offA += BLOCK_BYTES;
            offB += BLOCK_BYTES;
            x0 = FloatVector.fromArray(F, x, xo + 32);
            x1 = FloatVector.fromArray(F, x, xo + 48);
            sa = ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            sb = ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            a1 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a1);
            b1 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b1);
        }
        if (b < blocks) { // an odd block count: the last block is even
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
            FloatVector sa = ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            FloatVector sb = ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(x1, ((FloatVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0));
            a0 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a0);
            b0 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b0);
        }
        y[yA] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        y[yB] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dotPair} for narrower vectors, one block per iteration. */
    private void dotPairByBlock(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, apart = (rowB - rowA) * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        // the block's offset is the loop variable: with a long induction variable C2 takes the segment's bounds checks
        // out of the loop (see Q4_0RowGroups)
        int xo = 0;
        for (long offA = baseA, end = baseA + (long) blocks * BLOCK_BYTES; offA < end; offA += BLOCK_BYTES, xo += BLOCK) {
            long offB = offA + apart;
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
