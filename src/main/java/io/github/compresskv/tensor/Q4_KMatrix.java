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
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.WIDE_BYTES;

/**
 * ggml block_q4_K: {half d; half dmin; u8 scales[12]; u8 qs[128]}, 256 elements in 8 sub-blocks of 32.
 * Each 32 bytes of qs hold two sub-blocks: low nibbles = sub-block 2g, high nibbles = 2g + 1.
 * value = (d·scale) · q − dmin·min, with 6-bit scale/min from {@link KScales}.
 * Two phases per chunk of a row, as every {@link KQuantMatrix}.
 */
final class Q4_KMatrix extends KQuantWithMinsMatrix {
    private static final int BLOCK_BYTES = 144;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols);
    }

    /** Unpacks {@code blocks} super-blocks from byte offset {@code off}: q = 0..15, scale = d·sc, min = dmin·m. */
    @Override
    void decode(long off, int blocks, QuantScratch s) {
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * BLOCK_BYTES;
            decodeScalesAndMins(o, b, s);
            int qo = BLOCK * b;
            for (int g = 0; g < 4; g++) {
                for (int i = 0; i < 32; i += WIDE_BYTES.length()) {
                    ByteVector v = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 16 + 32 * g + i, LE);
                    v.and((byte) 0x0F).intoArray(s.q, qo + 64 * g + i);
                    v.lanewise(VectorOperators.LSHR, 4).intoArray(s.q, qo + 64 * g + 32 + i);
                }
            }
        }
    }


    /**
     * Two short passes over the row: the sub-block scales times the activations' block scales (d · sc · d_x) into the
     * thread's scratch, with the min term dmin · m · (d_x · Σq_x) summed on the way; then one flat loop over pairs of
     * sub-blocks (as {@code Q4_0Matrix.dotPairQ8}; the nested per-super-block loop ran 1.4× slower): 16 bytes of qs
     * widened to 16-bit lanes give elements 0..15 (low nibbles) and 32..47 (high nibbles) of a pair of sub-blocks,
     * the next 16 bytes elements 16..31 and 48..63; each sub-block's 32 products (|p| ≤ 15 · 127) are summed in
     * 16-bit and 32-bit lanes, converted once and scaled.
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
            long qo = base + (long) (k >> 2) * BLOCK_BYTES + 16 + 32 * (k & 3);
            int xo = 64 * k;
            ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B16, data, qo, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, data, qo + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            IntVector p = w.and((short) 15).mul(ShortVector.fromArray(S16, xq, xo))
                    .add(v.and((short) 15).mul(ShortVector.fromArray(S16, xq, xo + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, scale[2 * k]), acc0);
            p = w.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S16, xq, xo + 32))
                    .add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S16, xq, xo + 48))).reinterpretAsInts();
            acc1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F8, scale[2 * k + 1]), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - minTotal;
    }
}
