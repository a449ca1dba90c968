package io.github.compresskv.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.github.compresskv.tensor.Q8Activations.B16;
import static io.github.compresskv.tensor.Q8Activations.F8;
import static io.github.compresskv.tensor.Q8Activations.S16;
import static io.github.compresskv.tensor.RowGroups.F16_MASK;
import static io.github.compresskv.tensor.RowGroups.F16_RESCALE;
import static io.github.compresskv.tensor.RowGroups.F16_SHIFT;
import static io.github.compresskv.tensor.Simd.LE;

/**
 * Q5_0 in row groups ({@link RowGroups}): after the scales and the nibble records, the rows' fifth bits as two
 * vectors of 16-bit lanes, the low and the high half of each row's qh (bit p of lane r = the fifth bit of row r's
 * element p, resp. p + 16). The fifth bit is moved into place per record (a shift and a mask, the same for all
 * lanes), and the offset −16 is one correction per half block. |(q − 16)·x| ≤ 16 · 127, so a half block's 16
 * products sum within ±32 512: the low and the high elements are summed in separate 16-bit lanes, exact, and
 * added once widened.
 */
final class Q5_0RowGroups extends RowGroups {
    /** Offsets in a group block: the low and the high halves of the rows' qh. */
    private static final int QH_LOW = SCALE_BYTES + NIBBLE_BYTES, QH_HIGH = QH_LOW + 2 * ROWS;

    Q5_0RowGroups(MemorySegment src, int rows, int cols) {
        super(src, rows, cols, 22, QH_HIGH + 2 * ROWS);
    }

    @Override
    void relayBlock(byte[] in, int from, byte[] out, int to, int lane) {
        relayScaleAndNibbles(in, from, from + 6, out, to, lane);
        SHORT_IN_BYTES.set(out, to + QH_LOW + 2 * lane, (short) ((in[from + 2] & 0xFF) | in[from + 3] << 8));
        SHORT_IN_BYTES.set(out, to + QH_HIGH + 2 * lane, (short) ((in[from + 4] & 0xFF) | in[from + 5] << 8));
    }

    @Override
    void dotGroupPairQ8(int ga, int gb, Q8Activations x, float[] y, int yOffset) {
        short[] xq = x.q;
        int[] xsum = x.sum, xsumLow = x.sumLow;
        float[] xd = x.d;
        long baseA = ga * groupBytes, baseB = gb * groupBytes, apart = baseB - baseA;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long oa = baseA + (long) b * groupBlockBytes, ob = baseB + (long) b * groupBlockBytes;
            int xo = b * BLOCK;
            // the −16 of every weight, as one term per half block
            ShortVector cl = ShortVector.broadcast(S16, (short) (-16 * xsumLow[b]));
            ShortVector ch = ShortVector.broadcast(S16, (short) (-16 * (xsum[b] - xsumLow[b])));
            ShortVector la = cl, ha = ch, lb = cl, hb = ch;
            ShortVector qla = ShortVector.fromMemorySegment(S16, groups, oa + QH_LOW, LE), qha = ShortVector.fromMemorySegment(S16, groups, oa + QH_HIGH, LE);
            ShortVector qlb = ShortVector.fromMemorySegment(S16, groups, ob + QH_LOW, LE), qhb = ShortVector.fromMemorySegment(S16, groups, ob + QH_HIGH, LE);
            // the record's offset is the loop variable: with a long induction variable C2 takes the segment's bounds
            // checks out of the loop, which it does not for offsets computed from an int counter (1.2-1.3x faster).
            // Record p's fifth bit is bit p of the lane's qh, needed at bit 4: in two loops it is one shift and a mask
            // (a single loop needs a third operation): records 0-3 shift the bits moved up by 4 right by p, records
            // 4-15 shift the bits as stored right by p − 4
            ShortVector sla = qla.lanewise(VectorOperators.LSHL, 4), sha = qha.lanewise(VectorOperators.LSHL, 4);
            ShortVector slb = qlb.lanewise(VectorOperators.LSHL, 4), shb = qhb.lanewise(VectorOperators.LSHL, 4);
            long records = oa + SCALE_BYTES;
            int p = 0;
            for (long off = records, end = records + 4 * 16; off < end; off += 16, p++) {
                ShortVector va = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector vb = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off + apart, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector xl = ShortVector.broadcast(S16, xq[xo + p]), xh = ShortVector.broadcast(S16, xq[xo + 16 + p]);
                la = la.add(va.and((short) 15).or(sla.lanewise(VectorOperators.LSHR, p).and((short) 16)).mul(xl));
                ha = ha.add(va.lanewise(VectorOperators.LSHR, 4).or(sha.lanewise(VectorOperators.LSHR, p).and((short) 16)).mul(xh));
                lb = lb.add(vb.and((short) 15).or(slb.lanewise(VectorOperators.LSHR, p).and((short) 16)).mul(xl));
                hb = hb.add(vb.lanewise(VectorOperators.LSHR, 4).or(shb.lanewise(VectorOperators.LSHR, p).and((short) 16)).mul(xh));
            }
            for (long off = records + 4 * 16, end = records + NIBBLE_BYTES; off < end; off += 16, p++) {
                ShortVector va = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector vb = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off + apart, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector xl = ShortVector.broadcast(S16, xq[xo + p]), xh = ShortVector.broadcast(S16, xq[xo + 16 + p]);
                la = la.add(va.and((short) 15).or(qla.lanewise(VectorOperators.LSHR, p - 4).and((short) 16)).mul(xl));
                ha = ha.add(va.lanewise(VectorOperators.LSHR, 4).or(qha.lanewise(VectorOperators.LSHR, p - 4).and((short) 16)).mul(xh));
                lb = lb.add(vb.and((short) 15).or(qlb.lanewise(VectorOperators.LSHR, p - 4).and((short) 16)).mul(xl));
                hb = hb.add(vb.lanewise(VectorOperators.LSHR, 4).or(qhb.lanewise(VectorOperators.LSHR, p - 4).and((short) 16)).mul(xh));
            }
            FloatVector dx = FloatVector.broadcast(F8, xd[b]);
            // the scales' F16 bits to floats in the lanes (RowGroups.F16_MASK), times d_x
            FloatVector da0 = ((IntVector) ShortVector.fromMemorySegment(S8, groups, oa, LE).convertShape(VectorOperators.S2I, I8, 0))
                    .lanewise(VectorOperators.LSHL, F16_SHIFT).and(F16_MASK).reinterpretAsFloats().mul(F16_RESCALE).mul(dx);
            FloatVector da1 = ((IntVector) ShortVector.fromMemorySegment(S8, groups, oa + 16, LE).convertShape(VectorOperators.S2I, I8, 0))
                    .lanewise(VectorOperators.LSHL, F16_SHIFT).and(F16_MASK).reinterpretAsFloats().mul(F16_RESCALE).mul(dx);
            FloatVector db0 = ((IntVector) ShortVector.fromMemorySegment(S8, groups, ob, LE).convertShape(VectorOperators.S2I, I8, 0))
                    .lanewise(VectorOperators.LSHL, F16_SHIFT).and(F16_MASK).reinterpretAsFloats().mul(F16_RESCALE).mul(dx);
            FloatVector db1 = ((IntVector) ShortVector.fromMemorySegment(S8, groups, ob + 16, LE).convertShape(VectorOperators.S2I, I8, 0))
                    .lanewise(VectorOperators.LSHL, F16_SHIFT).and(F16_MASK).reinterpretAsFloats().mul(F16_RESCALE).mul(dx);
            a0 = ((FloatVector) la.convertShape(VectorOperators.S2I, I8, 0).add(ha.convertShape(VectorOperators.S2I, I8, 0))
                    .convert(VectorOperators.I2F, 0)).fma(da0, a0);
            a1 = ((FloatVector) la.convertShape(VectorOperators.S2I, I8, 1).add(ha.convertShape(VectorOperators.S2I, I8, 1))
                    .convert(VectorOperators.I2F, 0)).fma(da1, a1);
            b0 = ((FloatVector) lb.convertShape(VectorOperators.S2I, I8, 0).add(hb.convertShape(VectorOperators.S2I, I8, 0))
                    .convert(VectorOperators.I2F, 0)).fma(db0, b0);
            b1 = ((FloatVector) lb.convertShape(VectorOperators.S2I, I8, 1).add(hb.convertShape(VectorOperators.S2I, I8, 1))
                    .convert(VectorOperators.I2F, 0)).fma(db1, b1);
        }
        int ya = yOffset + ga * ROWS, yb = yOffset + gb * ROWS;
        a0.intoArray(y, ya);
        a1.intoArray(y, ya + 8);
        b0.intoArray(y, yb);
        b1.intoArray(y, yb + 8);
    }

    /** (q − 16) · d in float, as {@link Q5_0Matrix#dequantizeRow}. */
    @Override
    void packBlock(long o, float[] scales, float[] panel, int at, int panelRows) {
        FloatVector d0 = FloatVector.fromArray(F8, scales, 0), d1 = FloatVector.fromArray(F8, scales, 8);
        ShortVector ql = ShortVector.fromMemorySegment(S16, groups, o + QH_LOW, LE), qh = ShortVector.fromMemorySegment(S16, groups, o + QH_HIGH, LE);
        IntVector ql0 = (IntVector) ql.convertShape(VectorOperators.ZERO_EXTEND_S2I, I8, 0), ql1 = (IntVector) ql.convertShape(VectorOperators.ZERO_EXTEND_S2I, I8, 1);
        IntVector qh0 = (IntVector) qh.convertShape(VectorOperators.ZERO_EXTEND_S2I, I8, 0), qh1 = (IntVector) qh.convertShape(VectorOperators.ZERO_EXTEND_S2I, I8, 1);
        for (int p = 0; p < 16; p++) {
            ByteVector v = ByteVector.fromMemorySegment(B16, groups, o + SCALE_BYTES + 16L * p, LE);
            IntVector q0 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            IntVector q1 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 1);
            int low = at + p * panelRows, high = low + 16 * panelRows;
            ((FloatVector) q0.and(15).or(fifth(ql0, p)).sub(16).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, low);
            ((FloatVector) q1.and(15).or(fifth(ql1, p)).sub(16).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, low + 8);
            ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).or(fifth(qh0, p)).sub(16).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, high);
            ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).or(fifth(qh1, p)).sub(16).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, high + 8);
        }
    }

    /** 16 in the lanes whose bit p is set, else 0. */
    private static IntVector fifth(IntVector bits, int p) {
        return bits.lanewise(VectorOperators.LSHR, p).and(1).lanewise(VectorOperators.LSHL, 4);
    }
}
