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
 * Q4_0 in row groups ({@link RowGroups}): per group block the scales and the nibble records, nothing more. The
 * products are summed in 16 bits: with the offset −8 folded into one correction per block, a block's sum Σ(q − 8)·x
 * lies within ±8 · 127 · 32 = ±32 512, so the wrapping 16-bit partial sums end exact.
 */
final class Q4_0RowGroups extends RowGroups {

    Q4_0RowGroups(MemorySegment src, int rows, int cols) {
        super(src, rows, cols, 18, SCALE_BYTES + NIBBLE_BYTES);
    }

    @Override
    void relayBlock(byte[] in, int from, byte[] out, int to, int lane) {
        relayScaleAndNibbles(in, from, from + 2, out, to, lane);
    }

    /**
     * Per block, each record's 16 bytes widened to 16-bit lanes and split into its two elements, each multiplied by
     * the broadcast activation and summed in 16 bits; the block's sums then converted once and scaled by the rows'
     * d_w times d_x.
     */
    @Override
    void dotGroupPairQ8(int ga, int gb, Q8Activations x, float[] y, int yOffset) {
        short[] xq = x.q;
        int[] xsum = x.sum;
        float[] xd = x.d;
        long baseA = ga * groupBytes, baseB = gb * groupBytes, apart = baseB - baseA;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long oa = baseA + (long) b * groupBlockBytes, ob = baseB + (long) b * groupBlockBytes;
            int xo = b * BLOCK;
            // the −8 of every weight, as one term per block: Σ(q − 8)·x = Σ q·x − 8·Σx
            ShortVector c = ShortVector.broadcast(S16, (short) (-8 * xsum[b]));
            ShortVector la = c, ha = ShortVector.zero(S16), lb = c, hb = ha;
            // the record's offset is the loop variable: with a long induction variable C2 takes the segment's bounds
            // checks out of the loop, which it does not for offsets computed from an int counter (1.2-1.3x faster)
            int p = 0;
            for (long off = oa + SCALE_BYTES, end = off + NIBBLE_BYTES; off < end; off += 16, p++) {
                ShortVector va = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector vb = (ShortVector) ByteVector.fromMemorySegment(B16, groups, off + apart, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector xl = ShortVector.broadcast(S16, xq[xo + p]), xh = ShortVector.broadcast(S16, xq[xo + 16 + p]);
                la = la.add(va.and((short) 15).mul(xl));
                ha = ha.add(va.lanewise(VectorOperators.LSHR, 4).mul(xh));
                lb = lb.add(vb.and((short) 15).mul(xl));
                hb = hb.add(vb.lanewise(VectorOperators.LSHR, 4).mul(xh));
            }
            ShortVector sa = la.add(ha), sb = lb.add(hb);
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
            a0 = ((FloatVector) sa.convertShape(VectorOperators.S2I, I8, 0).convert(VectorOperators.I2F, 0)).fma(da0, a0);
            a1 = ((FloatVector) sa.convertShape(VectorOperators.S2I, I8, 1).convert(VectorOperators.I2F, 0)).fma(da1, a1);
            b0 = ((FloatVector) sb.convertShape(VectorOperators.S2I, I8, 0).convert(VectorOperators.I2F, 0)).fma(db0, b0);
            b1 = ((FloatVector) sb.convertShape(VectorOperators.S2I, I8, 1).convert(VectorOperators.I2F, 0)).fma(db1, b1);
        }
        int ya = yOffset + ga * ROWS, yb = yOffset + gb * ROWS;
        a0.intoArray(y, ya);
        a1.intoArray(y, ya + 8);
        b0.intoArray(y, yb);
        b1.intoArray(y, yb + 8);
    }

    /** (q − 8) · d in float, as {@link Q4_0Matrix#dequantizeRow}. */
    @Override
    void packBlock(long o, float[] scales, float[] panel, int at, int panelRows) {
        FloatVector d0 = FloatVector.fromArray(F8, scales, 0), d1 = FloatVector.fromArray(F8, scales, 8);
        for (int p = 0; p < 16; p++) {
            ByteVector v = ByteVector.fromMemorySegment(B16, groups, o + SCALE_BYTES + 16L * p, LE);
            IntVector q0 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            IntVector q1 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 1);
            int low = at + p * panelRows, high = low + 16 * panelRows;
            ((FloatVector) q0.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, low);
            ((FloatVector) q1.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, low + 8);
            ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, high);
            ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, high + 8);
        }
    }
}
