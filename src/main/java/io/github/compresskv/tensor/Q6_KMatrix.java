package io.github.compresskv.tensor;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.github.compresskv.tensor.Q8Activations.B16;
import static io.github.compresskv.tensor.Q8Activations.F8;
import static io.github.compresskv.tensor.Q8Activations.S16;
import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.HALF;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.LE;
import static io.github.compresskv.tensor.Simd.WIDE_BYTES;

/**
 * ggml block_q6_K: {u8 ql[128]; u8 qh[64]; int8 scales[16]; half d}, 256 elements in two halves of
 * 128. In half h, for l &lt; 32: element l is the low nibble of ql[64h + l] with bits 0-1 of
 * qh[32h + l] on top; element 32 + l: low nibble of ql[64h + 32 + l], qh bits 2-3; element 64 + l:
 * high nibble of ql[64h + l], qh bits 4-5; element 96 + l: high nibble of ql[64h + 32 + l], qh bits
 * 6-7. value = (d · scales[e / 16]) · (q − 32). Two phases, as every {@link KQuantMatrix}.
 */
final class Q6_KMatrix extends KQuantMatrix {
    private static final int BLOCK_BYTES = 210;

    Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols);
    }

    @Override
    float chunkDot(QuantScratch s, int n, float[] x, int xOffset) {
        return GroupKernels.dot16(s.q, s.scale, n / 16, x, xOffset);
    }

    @Override
    void chunkDequantize(QuantScratch s, int n, float[] dst, int dstOffset) {
        GroupKernels.dequantize16(s.q, s.scale, n / 16, dst, dstOffset);
    }

    /** Unpacks {@code blocks} super-blocks: q = −32..31, scale[i] = d · scales[i] (ggml's d·sc, then ·q). */
    @Override
    void decode(long off, int blocks, QuantScratch s) {
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, half(o + 208));
            ByteVector sc = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, o + 192, LE);
            for (int p = 0; p < 16 / L; p++) {
                ((FloatVector) sc.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(s.scale, 16 * b + p * L);
            }
            for (int h = 0; h < 2; h++) {
                int qo = BLOCK * b + 128 * h;
                for (int i = 0; i < 32; i += WIDE_BYTES.length()) {
                    ByteVector a = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 64 * h + i, LE);
                    ByteVector c = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 64 * h + 32 + i, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(WIDE_BYTES, data, o + 128 + 32 * h + i, LE);
                    a.and((byte) 0x0F).or(hb.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32)
                            .intoArray(s.q, qo + i);
                    c.and((byte) 0x0F).or(hb.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32)
                            .intoArray(s.q, qo + 32 + i);
                    a.lanewise(VectorOperators.LSHR, 4).or(hb.and((byte) 0x30)).sub((byte) 32)
                            .intoArray(s.q, qo + 64 + i);
                    c.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32)
                            .intoArray(s.q, qo + 96 + i);
                }
            }
        }
    }


    /**
     * One pass over the row: 16 bytes of ql (twice) and of qh widened to 16-bit lanes give four 16-element
     * sub-blocks, each with its own scale; their products (|p| ≤ 32 · 127) are summed pairwise into 32-bit lanes,
     * converted and scaled by d · sc · d_x, into four accumulators (fewer made a dependent chain of FMAs). A flat
     * loop with the scales computed in a first pass, as Q4_K's, ran 1.2× slower here.
     */
    @Override
    float dotQ8(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long base = row * rowBytes;
        short[] xq = x.q;
        float[] xd = x.d;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(HALF, o + 208));
            for (int h = 0; h < 2; h++) {
                int xb = 8 * b + 4 * h;
                float d0 = d * xd[xb], d1 = d * xd[xb + 1], d2 = d * xd[xb + 2], d3 = d * xd[xb + 3];
                for (int l = 0; l < 32; l += 16) {
                    long ql = o + 64 * h + l;
                    int xo = BLOCK * b + 128 * h + l;
                    long sc = o + 192 + 8 * h + l / 16;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B16, data, o + 128 + 32 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    IntVector p = a.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub((short) 32)
                            .mul(ShortVector.fromArray(S16, xq, xo)).reinterpretAsInts();
                    acc0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F8, d0 * data.get(ValueLayout.JAVA_BYTE, sc)), acc0);
                    p = c.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).sub((short) 32)
                            .mul(ShortVector.fromArray(S16, xq, xo + 32)).reinterpretAsInts();
                    acc1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F8, d1 * data.get(ValueLayout.JAVA_BYTE, sc + 2)), acc1);
                    p = a.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 0x30)).sub((short) 32)
                            .mul(ShortVector.fromArray(S16, xq, xo + 64)).reinterpretAsInts();
                    acc2 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F8, d2 * data.get(ValueLayout.JAVA_BYTE, sc + 4)), acc2);
                    p = c.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).sub((short) 32)
                            .mul(ShortVector.fromArray(S16, xq, xo + 96)).reinterpretAsInts();
                    acc3 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).add(p).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F8, d3 * data.get(ValueLayout.JAVA_BYTE, sc + 6)), acc3);
                }
            }
        }
        return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
}
