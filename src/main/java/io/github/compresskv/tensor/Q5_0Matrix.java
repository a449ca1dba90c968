package io.github.compresskv.tensor;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
import static io.github.compresskv.tensor.Simd.INT;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.PARTS;

/**
 * ggml block_q5_0: {half d; u8 qh[4]; u8 qs[16]}; the low 4 bits as in Q4_0, bit 4 of element i is
 * bit i of the little-endian u32 qh; value = (q - 16) · d. The fifth bits become a lane
 * mask ({@link VectorMask#fromLong}) that sets bit 4 in the selected int lanes.
 */
final class Q5_0Matrix extends WeightMatrix {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 22;
    private static final long LANE_BITS = (1L << L) - 1;

    Q5_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_0, data, rows, cols);
    }

    @Override
    RowGroups newRowGroups() {
        return new Q5_0RowGroups(data, rows, cols);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int xo = xOffset + b * BLOCK;
            long qh = Integer.toUnsignedLong(data.get(INT, off + 2));
            FloatVector s = FloatVector.zero(F);
            for (int j = 0; j < BLOCK / 2; j += BL) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, off + 6 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    int e = j + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                    FloatVector lo = (FloatVector) qi.and(0x0F).lanewise(VectorOperators.OR, 16, highBits(qh, e))
                            .sub(16).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) qi.lanewise(VectorOperators.LSHR, 4).and(0x0F)
                            .lanewise(VectorOperators.OR, 16, highBits(qh, 16 + e)).sub(16).convert(VectorOperators.I2F, 0);
                    s = lo.fma(FloatVector.fromArray(F, x, xo + e), s);
                    s = hi.fma(FloatVector.fromArray(F, x, xo + 16 + e), s);
                }
            }
            FloatVector next = s.fma(FloatVector.broadcast(F, half(off)), acc0);
            acc0 = acc1;
            acc1 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    boolean integerDot() {
        return Q8Activations.ENABLED;
    }

    /**
     * The integer kernel of {@code Q4_0Matrix.dotPairQ8}; the fifth bit of each element is tested in 16-bit lanes
     * (qh's 16 bits broadcast, AND the lane's bit, compare with zero) and the offset applied as q − 16 = low − 16
     * where the bit is clear.
     */
    @Override
    void dotPairQ8(int rowA, int rowB, Q8Activations x, float[] y, int yA, int yB) {
        int blocks = cols / BLOCK;
        long baseA = rowA * rowBytes, baseB = rowB * rowBytes;
        short[] xq = x.q;
        float[] xd = x.d;
        ShortVector bit = ShortVector.fromArray(S16, Q8Activations.LANE_BIT, 0);
        FloatVector a0 = FloatVector.zero(F8), b0 = a0;
        for (int b = 0; b < blocks; b++) {
            long offA = baseA + (long) b * BLOCK_BYTES, offB = baseB + (long) b * BLOCK_BYTES;
            ShortVector x0 = ShortVector.fromArray(S16, xq, b * BLOCK), x1 = ShortVector.fromArray(S16, xq, b * BLOCK + 16);
            int hA = data.get(INT, offA + 2), hB = data.get(INT, offB + 2);
            ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(B16, data, offA + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(B16, data, offB + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector loA = wa.and((short) 15).sub(((ShortVector) ShortVector.broadcast(S16, (short) hA).and(bit).compare(VectorOperators.EQ, 0).toVector()).and((short) 16));
            ShortVector hiA = wa.lanewise(VectorOperators.LSHR, 4).sub(((ShortVector) ShortVector.broadcast(S16, (short) (hA >>> 16)).and(bit).compare(VectorOperators.EQ, 0).toVector()).and((short) 16));
            ShortVector loB = wb.and((short) 15).sub(((ShortVector) ShortVector.broadcast(S16, (short) hB).and(bit).compare(VectorOperators.EQ, 0).toVector()).and((short) 16));
            ShortVector hiB = wb.lanewise(VectorOperators.LSHR, 4).sub(((ShortVector) ShortVector.broadcast(S16, (short) (hB >>> 16)).and(bit).compare(VectorOperators.EQ, 0).toVector()).and((short) 16));
            // |q·x| ≤ 16 · 127: four products per 32-bit lane stay within 16 bits
            IntVector va = loA.mul(x0).add(hiA.mul(x1)).reinterpretAsInts();
            IntVector vb = loB.mul(x0).add(hiB.mul(x1)).reinterpretAsInts();
            float dx = xd[b];
            a0 = ((FloatVector) va.lanewise(VectorOperators.LSHL, 16).add(va).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offA)) * dx), a0);
            b0 = ((FloatVector) vb.lanewise(VectorOperators.LSHL, 16).add(vb).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, Float.float16ToFloat(data.get(HALF, offB)) * dx), b0);
        }
        y[yA] = a0.reduceLanes(VectorOperators.ADD);
        y[yB] = b0.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            int o = dstOffset + b * BLOCK;
            long qh = Integer.toUnsignedLong(data.get(INT, off + 2));
            FloatVector d = FloatVector.broadcast(F, half(off));
            for (int j = 0; j < BLOCK / 2; j += BL) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, off + 6 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    int e = j + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                    ((FloatVector) qi.and(0x0F).lanewise(VectorOperators.OR, 16, highBits(qh, e)).sub(16)
                            .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + e);
                    ((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).and(0x0F).lanewise(VectorOperators.OR, 16, highBits(qh, 16 + e))
                            .sub(16).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 16 + e);
                }
            }
        }
    }

    /** Lanes whose element (from {@code first}) has its fifth bit set in qh. */
    private static VectorMask<Integer> highBits(long qh, int first) {
        return VectorMask.fromLong(I, (qh >>> first) & LANE_BITS);
    }
}
