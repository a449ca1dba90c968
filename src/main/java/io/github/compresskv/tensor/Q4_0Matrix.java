package io.github.compresskv.tensor;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.compresskv.tensor.Q8Activations.B16;
import static io.github.compresskv.tensor.Q8Activations.F8;
import static io.github.compresskv.tensor.Q8Activations.S16;
import static io.github.compresskv.tensor.Simd.B;
import static io.github.compresskv.tensor.Simd.BL;
import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.HALF;
import static io.github.compresskv.tensor.Simd.I;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.PARTS;

/**
 * ggml block_q4_0: {half d; u8 qs[16]}; element j (j &lt; 16) is the low nibble of qs[j], element
 * 16 + j the high nibble; value = (q - 8) · d.
 */
final class Q4_0Matrix extends WeightMatrix {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;

    /**
     * 16 lanes (512-bit vectors): a block is one 16-byte load, a nibble becomes its float value q - 8 by one table
     * lookup (a lane permute) instead of a subtraction and a conversion (the Q4_0 kernels are compute-bound; this
     * made them 10-15 % faster), and {@link #dotPair} has a straight-line kernel. Narrower vectors have too few lanes
     * for the 16 entries and compute the value.
     */
    private static final boolean SIXTEEN_LANES = L == 16;
    /** The float bits of q - 8 for q = 0..15. */
    private static final int[] NIBBLE_VALUES = new int[16];

    static {
        for (int q = 0; q < 16; q++) NIBBLE_VALUES[q] = Float.floatToRawIntBits(q - 8);
    }

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
    }

    @Override
    RowGroups newRowGroups() {
        return new Q4_0RowGroups(data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        IntVector nibbles = IntVector.fromArray(I, NIBBLE_VALUES, 0);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int xo = xOffset + b * BLOCK;
            // nibbles split in int lanes (zero-extended, so the high nibble needs no mask): fewer wide ops than unpacking
            // bytes then widening twice; the block's first product is a multiply, not an FMA into zero
            ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2, LE);
            IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector s = (SIXTEEN_LANES ? qi.and(0x0F).selectFrom(nibbles).reinterpretAsFloats() : (FloatVector) qi.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, xo));
            s = (SIXTEEN_LANES ? qi.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats() : (FloatVector) qi.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xo + 16), s);
            if (PARTS == 2) {
                qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                s = ((FloatVector) qi.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + L), s);
                s = ((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xo + 16 + L), s);
            }
            for (int j = BL; j < BLOCK / 2; j += BL) {
                q = ByteVector.fromMemorySegment(B, data, off + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    s = ((FloatVector) qi.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + j + p * L), s);
                    s = ((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + 16 + j + p * L), s);
                }
            }
            FloatVector next = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, off))), acc0);
            acc0 = acc1;
            acc1 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #dot} of two rows in one loop, each with the same operations in the same order (even blocks into the
     * first accumulator, odd blocks into the second, as in {@code dot}).
     */
    @Override
    protected void dotPair(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        if (SIXTEEN_LANES) dotPairSixteenLanes(rowA, rowB, x, y, yA, yB);
        else dotPairByBlock(rowA, rowB, x, y, yA, yB);
    }

    /** Two blocks per iteration, no inner loops (see {@code Q8_0Matrix.dotPairSixteenLanes}): decode 4-10 % faster. */
    private void dotPairSixteenLanes(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        IntVector nibbles = IntVector.fromArray(I, NIBBLE_VALUES, 0);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
            IntVector ia = (IntVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector ib = (IntVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector sa = ia.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ia.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            FloatVector sb = ib.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ib.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            a0 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a0);
            b0 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b0);
            offA += BLOCK_BYTES;
            offB += BLOCK_BYTES;
            x0 = FloatVector.fromArray(F, x, xo + 32);
            x1 = FloatVector.fromArray(F, x, xo + 48);
            ia = (IntVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            ib = (IntVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            sa = ia.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ia.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            sb = ib.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ib.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            a1 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a1);
            b1 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b1);
        }
        if (b < blocks) { // an odd block count: the last block is even
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
            IntVector ia = (IntVector) ByteVector.fromMemorySegment(B, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector ib = (IntVector) ByteVector.fromMemorySegment(B, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector sa = ia.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ia.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            FloatVector sb = ib.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats()
                    .fma(x1, ib.and(0x0F).selectFrom(nibbles).reinterpretAsFloats().mul(x0));
            a0 = sa.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offA))), a0);
            b0 = sb.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(HALF, offB))), b0);
        }
        y[yA] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        y[yB] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dotPair} for any vector width, one block per iteration. */
    private void dotPairByBlock(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            int xo = b * BLOCK;
            ByteVector qa = ByteVector.fromMemorySegment(B, data, offA + 2, LE), qb = ByteVector.fromMemorySegment(B, data, offB + 2, LE);
            IntVector ia = (IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0), ib = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector xv = FloatVector.fromArray(F, x, xo);
            FloatVector sa = ((FloatVector) ia.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(xv);
            FloatVector sb = ((FloatVector) ib.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(xv);
            xv = FloatVector.fromArray(F, x, xo + 16);
            sa = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sa);
            sb = ((FloatVector) ib.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sb);
            if (PARTS == 2) {
                ia = (IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                ib = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                xv = FloatVector.fromArray(F, x, xo + L);
                sa = ((FloatVector) ia.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sa);
                sb = ((FloatVector) ib.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sb);
                xv = FloatVector.fromArray(F, x, xo + 16 + L);
                sa = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sa);
                sb = ((FloatVector) ib.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sb);
            }
            for (int j = BL; j < BLOCK / 2; j += BL) {
                qa = ByteVector.fromMemorySegment(B, data, offA + 2 + j, LE);
                qb = ByteVector.fromMemorySegment(B, data, offB + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    ia = (IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    ib = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    xv = FloatVector.fromArray(F, x, xo + j + p * L);
                    sa = ((FloatVector) ia.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sa);
                    sb = ((FloatVector) ib.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sb);
                    xv = FloatVector.fromArray(F, x, xo + 16 + j + p * L);
                    sa = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sa);
                    sb = ((FloatVector) ib.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(xv, sb);
                }
            }
            // scales read here rather than through half(): see Q8_0Matrix.dotPair
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
    boolean integerDot() {
        return Q8Activations.ENABLED;
    }

    /**
     * A block's 16 bytes widened to 16-bit lanes, nibbles split there (low = elements 0..15, high = 16..31), times
     * the activations' 16-bit values: the 32 products (|p| ≤ 8 · 127) summed pairwise in 16 bits, then pairs of
     * those in each 32-bit lane (shift left, add, shift right: cheaper than widening the two halves), converted once
     * per block and scaled by d_w · d_x. Two blocks per iteration, as {@link #dotPairSixteenLanes}.
     */
    @Override
    void dotPairQ8(int rowA, int rowB, Q8Activations x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        short[] xq = x.q;
        float[] xd = x.d;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, b0 = a0, b1 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            ShortVector x0 = ShortVector.fromArray(S16, xq, b * BLOCK), x1 = ShortVector.fromArray(S16, xq, b * BLOCK + 16);
            ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(B16, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(B16, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            IntVector va = wa.and((short) 15).sub((short) 8).mul(x0).add(wa.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            IntVector vb = wb.and((short) 15).sub((short) 8).mul(x0).add(wb.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            float dx = xd[b];
            a0 = ((FloatVector) va.lanewise(VectorOperators.LSHL, 16).add(va).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offA)) * dx), a0);
            b0 = ((FloatVector) vb.lanewise(VectorOperators.LSHL, 16).add(vb).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offB)) * dx), b0);
            offA += BLOCK_BYTES;
            offB += BLOCK_BYTES;
            x0 = ShortVector.fromArray(S16, xq, b * BLOCK + 32);
            x1 = ShortVector.fromArray(S16, xq, b * BLOCK + 48);
            wa = (ShortVector) ByteVector.fromMemorySegment(B16, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            wb = (ShortVector) ByteVector.fromMemorySegment(B16, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            va = wa.and((short) 15).sub((short) 8).mul(x0).add(wa.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            vb = wb.and((short) 15).sub((short) 8).mul(x0).add(wb.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            dx = xd[b + 1];
            a1 = ((FloatVector) va.lanewise(VectorOperators.LSHL, 16).add(va).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offA)) * dx), a1);
            b1 = ((FloatVector) vb.lanewise(VectorOperators.LSHL, 16).add(vb).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offB)) * dx), b1);
        }
        if (b < blocks) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            ShortVector x0 = ShortVector.fromArray(S16, xq, b * BLOCK), x1 = ShortVector.fromArray(S16, xq, b * BLOCK + 16);
            ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(B16, data, offA + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(B16, data, offB + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            IntVector va = wa.and((short) 15).sub((short) 8).mul(x0).add(wa.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            IntVector vb = wb.and((short) 15).sub((short) 8).mul(x0).add(wb.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(x1)).reinterpretAsInts();
            float dx = xd[b];
            a0 = ((FloatVector) va.lanewise(VectorOperators.LSHL, 16).add(va).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offA)) * dx), a0);
            b0 = ((FloatVector) vb.lanewise(VectorOperators.LSHL, 16).add(vb).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offB)) * dx), b0);
        }
        y[yA] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        y[yB] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        int blocks = cols / BLOCK;
        IntVector nibbles = IntVector.fromArray(I, NIBBLE_VALUES, 0);
        long base = row * rowBytes;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int o = dstOffset + b * BLOCK;
            FloatVector d = FloatVector.broadcast(F, half(off));
            for (int j = 0; j < BLOCK / 2; j += BL) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    (SIXTEEN_LANES ? qi.and(0x0F).selectFrom(nibbles).reinterpretAsFloats() : (FloatVector) qi.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + j + p * L);
                    (SIXTEEN_LANES ? qi.lanewise(VectorOperators.LSHR, 4).selectFrom(nibbles).reinterpretAsFloats() : (FloatVector) qi.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                            .mul(d).intoArray(dst, o + 16 + j + p * L);
                }
            }
        }
    }
}
