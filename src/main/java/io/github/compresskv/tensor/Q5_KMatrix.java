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
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.WIDE_BYTES;

/**
 * ggml block_q5_K: {half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: Q4_K's layout plus a
 * fifth bit per element: for sub-block pair g, bit 2g of qh[l] extends the low nibble of qs[32g + l]
 * and bit 2g + 1 the high nibble. value = (d·scale) · q − dmin·min. Two phases as {@link Q4_KMatrix}.
 */
final class Q5_KMatrix extends KQuantWithMinsMatrix {
    private static final int BLOCK_BYTES = 176;

    Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_K, data, rows, cols);
    }

    /** Unpacks {@code blocks} super-blocks: q = 0..31, scale = d·sc, min = dmin·m. */
    @Override
    void decode(long off, int blocks, QuantScratch s) {
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * BLOCK_BYTES;
            decodeScalesAndMins(o, b, s);
            int qo = BLOCK * b;
            for (int i = 0; i < 32; i += WIDE_BYTES.length()) {
                ByteVector h = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 16 + i, LE);
                for (int g = 0; g < 4; g++) {
                    // bit 2g of h → 0x10 for the low nibbles, bit 2g + 1 → 0x10 for the high nibbles
                    ByteVector v = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 48 + 32 * g + i, LE);
                    v.and((byte) 0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and((byte) 0x10))
                            .intoArray(s.q, qo + 64 * g + i);
                    v.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHL, 3).and((byte) 0x10))
                            .intoArray(s.q, qo + 64 * g + 32 + i);
                    h = h.lanewise(VectorOperators.LSHR, 2);
                }
            }
        }
    }

    /**
     * {@code Q4_KMatrix}'s integer kernel plus the fifth bits: qh's 16 bytes for elements l and l + 16 of a pair of
     * sub-blocks, widened to 16-bit lanes and shifted left by 4 once, give bit 2g at 0x10 after a right shift by 2g
     * (low nibbles) and bit 2g + 1 after 2g + 1 (high nibbles). |q · q_x| ≤ 31 · 127, so four products still fit the
     * 16-bit halves that the pair sum adds.
     */
    @Override
    float dotQ8(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        short[] xq = x.q;
        float[] scale = QuantScratch.get().blockScales(8 * blocks);
        float minTotal = integerScales(base, BLOCK_BYTES, x, scale);
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int k = 0; k < 4 * blocks; k++) {
            long o = base + (long) (k >> 2) * BLOCK_BYTES, qo = o + 48 + 32 * (k & 3);
            int xo = 64 * k, lo = 2 * (k & 3), hi = lo + 1;
            ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B16, data, qo, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, data, qo + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector hw = ((ShortVector) ByteVector.fromMemorySegment(B16, data, o + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0))
                    .lanewise(VectorOperators.LSHL, 4);
            ShortVector hv = ((ShortVector) ByteVector.fromMemorySegment(B16, data, o + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0))
                    .lanewise(VectorOperators.LSHL, 4);
            IntVector p = w.and((short) 15).or(hw.lanewise(VectorOperators.LSHR, lo).and((short) 16)).mul(ShortVector.fromArray(S16, xq, xo))
                    .add(v.and((short) 15).or(hv.lanewise(VectorOperators.LSHR, lo).and((short) 16)).mul(ShortVector.fromArray(S16, xq, xo + 16)))
                    .reinterpretAsInts();
            acc0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, scale[2 * k]), acc0);
            p = w.lanewise(VectorOperators.LSHR, 4).or(hw.lanewise(VectorOperators.LSHR, hi).and((short) 16)).mul(ShortVector.fromArray(S16, xq, xo + 32))
                    .add(v.lanewise(VectorOperators.LSHR, 4).or(hv.lanewise(VectorOperators.LSHR, hi).and((short) 16)).mul(ShortVector.fromArray(S16, xq, xo + 48)))
                    .reinterpretAsInts();
            acc1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, scale[2 * k + 1]), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - minTotal;
    }
}
