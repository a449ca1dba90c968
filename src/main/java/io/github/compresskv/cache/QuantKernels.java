package io.github.compresskv.cache;

import io.github.compresskv.tensor.Simd;
import io.github.compresskv.tensor.VectorMath;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention kernels over quantized rows ({@link QuantLayout}): scores of a query against key codes and the
 * probability-weighted sum of value codes, read in place (codes converted to floats in vector lanes, never into a
 * dequantized copy). Keys: per group, the query is multiplied by the group's channel scales once (qs = q · scale), so a
 * row's score is qs · codes plus one constant per group (q · offsets). Values: per row and block the weight is folded
 * into the scale (w · scale) and the offsets are summed as scalars. The vector paths need a block whose code bytes
 * split into whole byte loads (head sizes 32, 64, 128, ... at every width); other sizes take the scalar loops.
 * These single-query kernels serve the scorers; decode, where the query heads of a GQA group share each row, reads
 * tiles of rows dequantized in lanes ({@link #dequantizeKeys}, {@link #dequantizeValues}) into a per-thread scratch.
 * Same kernel rules as the tensor package's ({@code Simd}): no helpers that pass vectors, constant inner trip counts.
 */
final class QuantKernels {
    private QuantKernels() {}

    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(Simd.bits()));
    /** Int lanes as many as F's: 4-bit codes are split in int lanes (x86 has no byte shift; a byte-lane LSHR is not intrinsified). */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(Simd.bits()));
    private static final int L = F.length();
    /** Bytes per code load: as many as F has lanes, at least 8 (the smallest byte species). */
    private static final int BL = Math.max(8, L);
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(BL * 8));
    /** Float vectors per code load. */
    private static final int PARTS = BL / L;
    private static final int GROUP = QuantLayout.GROUP;

    /** Per thread q · scale of one key group (decode splits one head's query heads over threads). */
    private static final ThreadLocal<float[]> SCALED_QUERY = ThreadLocal.withInitial(() -> new float[128]);
    /** Per thread w · scale of every row of one value block. */
    private static final ThreadLocal<float[]> SCALED_WEIGHTS = ThreadLocal.withInitial(() -> new float[256]);

    private static boolean vectorPath(QuantLayout q) {
        return q.bits() == 8 ? q.block() % BL == 0 : (q.block() / 2) % BL == 0;
    }

    /** out[outOff + r] = scale · (query · key_r) for the quantized key rows r in [0, rows). */
    static void keyScores(QuantLayout lay, byte[] codes, short[] params, int rows, float[] query, int qOff, float scale,
                          float[] out, int outOff) {
        int hd = lay.headDim(), rb = lay.rowBytes();
        float[] qs = SCALED_QUERY.get();
        if (qs.length < hd) {
            qs = new float[hd];
            SCALED_QUERY.set(qs);
        }
        boolean vector = vectorPath(lay), eight = lay.bits() == 8;
        int half = lay.block() / 2, block = lay.block();
        for (int g0 = 0; g0 < rows; g0 += GROUP) {
            int p = (g0 / GROUP) * 2 * hd;
            float bias = 0;
            for (int c = 0; c < hd; c++) {
                float s = Float.float16ToFloat(params[p + c]);
                float o = Float.float16ToFloat(params[p + hd + c]);
                if (eight) o = Math.fma(QuantLayout.Q8_BIAS, s, o); // stored codes are u − 128
                qs[c] = query[qOff + c] * s;
                bias = Math.fma(query[qOff + c], o, bias);
            }
            int end = Math.min(rows, g0 + GROUP), r = g0;
            // two rows per step: their chains of FMAs and lane reductions overlap
            if (vector && eight) {
                for (; r + 2 <= end; r += 2) {
                    int at = r * rb, bt = at + rb;
                    FloatVector acc = FloatVector.zero(F), bcc = acc;
                    for (int j = 0; j < hd; j += BL) {
                        ByteVector v = ByteVector.fromArray(B, codes, at + j), u = ByteVector.fromArray(B, codes, bt + j);
                        FloatVector x = FloatVector.fromArray(F, qs, j);
                        acc = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x, acc);
                        bcc = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0)).fma(x, bcc);
                        if (PARTS == 2) {
                            FloatVector y = FloatVector.fromArray(F, qs, j + L);
                            acc = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(y, acc);
                            bcc = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 1)).fma(y, bcc);
                        }
                    }
                    out[outOff + r] = scale * (acc.reduceLanes(VectorOperators.ADD) + bias);
                    out[outOff + r + 1] = scale * (bcc.reduceLanes(VectorOperators.ADD) + bias);
                }
            } else if (vector) {
                for (; r + 2 <= end; r += 2) {
                    int at = r * rb, bt = at + rb;
                    FloatVector acc = FloatVector.zero(F), bcc = acc;
                    for (int bk = 0; bk < hd; bk += block) {
                        for (int i = 0; i < half; i += BL) {
                            ByteVector v = ByteVector.fromArray(B, codes, at + bk / 2 + i), u = ByteVector.fromArray(B, codes, bt + bk / 2 + i);
                            FloatVector xl = FloatVector.fromArray(F, qs, bk + i), xh = FloatVector.fromArray(F, qs, bk + half + i);
                            IntVector a = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                            IntVector b = (IntVector) u.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                            acc = ((FloatVector) a.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, acc);
                            bcc = ((FloatVector) b.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, bcc);
                            acc = ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, acc);
                            bcc = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, bcc);
                            if (PARTS == 2) {
                                xl = FloatVector.fromArray(F, qs, bk + i + L);
                                xh = FloatVector.fromArray(F, qs, bk + half + i + L);
                                a = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                                b = (IntVector) u.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                                acc = ((FloatVector) a.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, acc);
                                bcc = ((FloatVector) b.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, bcc);
                                acc = ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, acc);
                                bcc = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, bcc);
                            }
                        }
                    }
                    out[outOff + r] = scale * (acc.reduceLanes(VectorOperators.ADD) + bias);
                    out[outOff + r + 1] = scale * (bcc.reduceLanes(VectorOperators.ADD) + bias);
                }
            }
            // the odd last row, and every row of the scalar path
            for (; r < end; r++) {
                int at = r * rb;
                float dot = 0;
                for (int c = 0; c < hd; c++) dot = Math.fma(qs[c], lay.get(codes, at, c) - (eight ? QuantLayout.Q8_BIAS : 0), dot);
                out[outOff + r] = scale * (dot + bias);
            }
        }
    }

    /** out[outOff + c] += Σ_r w[wOff + r] · value_r[c] over the quantized value rows r in [0, rows). */
    static void weightedValues(QuantLayout lay, byte[] codes, short[] params, float[] w, int wOff, int rows, float[] out, int outOff) {
        int hd = lay.headDim(), rb = lay.rowBytes(), block = lay.block(), half = block / 2, ps = 2 * lay.blocks();
        boolean eight = lay.bits() == 8;
        if (!vectorPath(lay)) {
            for (int r = 0; r < rows; r++) {
                int at = r * rb;
                for (int c = 0; c < hd; c++) {
                    int p = r * ps + 2 * (c / block);
                    float v = Math.fma(Float.float16ToFloat(params[p]), lay.get(codes, at, c), Float.float16ToFloat(params[p + 1]));
                    out[outOff + c] = Math.fma(w[wOff + r], v, out[outOff + c]);
                }
            }
            return;
        }
        float[] ws = SCALED_WEIGHTS.get();
        if (ws.length < rows) {
            ws = new float[Math.max(rows, 2 * ws.length)];
            SCALED_WEIGHTS.set(ws);
        }
        for (int bi = 0; bi < lay.blocks(); bi++) {
            int bk = bi * block;
            // once per block: each row's weight times its scale, and Σ weight · offset (the same for every channel)
            float offsets = 0;
            for (int r = 0; r < rows; r++) {
                int p = r * ps + 2 * bi;
                float sc = Float.float16ToFloat(params[p]), o = Float.float16ToFloat(params[p + 1]);
                if (eight) o = Math.fma(QuantLayout.Q8_BIAS, sc, o); // stored codes are u − 128
                offsets = Math.fma(w[wOff + r], o, offsets);
                ws[r] = w[wOff + r] * sc;
            }
            // 8-bit: lanes [j, j + BL) of the block; 4-bit: low nibbles → [j, j + BL), high → [half + j, half + j + BL)
            for (int j = 0; j < (eight ? block : half); j += BL) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, c0 = a0, c1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0;
                int at = (eight ? bk : bk / 2) + j;
                int r = 0;
                for (; r + 2 <= rows; r += 2) {
                    FloatVector va = FloatVector.broadcast(F, ws[r]), vb = FloatVector.broadcast(F, ws[r + 1]);
                    ByteVector xa = ByteVector.fromArray(B, codes, r * rb + at);
                    ByteVector xb = ByteVector.fromArray(B, codes, (r + 1) * rb + at);
                    if (eight) {
                        a0 = ((FloatVector) xa.convertShape(VectorOperators.B2F, F, 0)).fma(va, a0);
                        b0 = ((FloatVector) xb.convertShape(VectorOperators.B2F, F, 0)).fma(vb, b0);
                        if (PARTS == 2) {
                            a1 = ((FloatVector) xa.convertShape(VectorOperators.B2F, F, 1)).fma(va, a1);
                            b1 = ((FloatVector) xb.convertShape(VectorOperators.B2F, F, 1)).fma(vb, b1);
                        }
                    } else {
                        IntVector ia = (IntVector) xa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        IntVector ib = (IntVector) xb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        a0 = ((FloatVector) ia.and(0x0F).convert(VectorOperators.I2F, 0)).fma(va, a0);
                        c0 = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(va, c0);
                        b0 = ((FloatVector) ib.and(0x0F).convert(VectorOperators.I2F, 0)).fma(vb, b0);
                        d0 = ((FloatVector) ib.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(vb, d0);
                        if (PARTS == 2) {
                            ia = (IntVector) xa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                            ib = (IntVector) xb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                            a1 = ((FloatVector) ia.and(0x0F).convert(VectorOperators.I2F, 0)).fma(va, a1);
                            c1 = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(va, c1);
                            b1 = ((FloatVector) ib.and(0x0F).convert(VectorOperators.I2F, 0)).fma(vb, b1);
                            d1 = ((FloatVector) ib.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(vb, d1);
                        }
                    }
                }
                if (r < rows) {
                    FloatVector va = FloatVector.broadcast(F, ws[r]);
                    ByteVector xa = ByteVector.fromArray(B, codes, r * rb + at);
                    if (eight) {
                        a0 = ((FloatVector) xa.convertShape(VectorOperators.B2F, F, 0)).fma(va, a0);
                        if (PARTS == 2) a1 = ((FloatVector) xa.convertShape(VectorOperators.B2F, F, 1)).fma(va, a1);
                    } else {
                        IntVector ia = (IntVector) xa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        a0 = ((FloatVector) ia.and(0x0F).convert(VectorOperators.I2F, 0)).fma(va, a0);
                        c0 = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(va, c0);
                        if (PARTS == 2) {
                            ia = (IntVector) xa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                            a1 = ((FloatVector) ia.and(0x0F).convert(VectorOperators.I2F, 0)).fma(va, a1);
                            c1 = ((FloatVector) ia.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(va, c1);
                        }
                    }
                }
                int o = outOff + bk + j;
                a0.add(b0).add(offsets).add(FloatVector.fromArray(F, out, o)).intoArray(out, o);
                if (PARTS == 2) a1.add(b1).add(offsets).add(FloatVector.fromArray(F, out, o + L)).intoArray(out, o + L);
                if (!eight) {
                    int oh = o + half;
                    c0.add(d0).add(offsets).add(FloatVector.fromArray(F, out, oh)).intoArray(out, oh);
                    if (PARTS == 2) c1.add(d1).add(offsets).add(FloatVector.fromArray(F, out, oh + L)).intoArray(out, oh + L);
                }
            }
        }
    }

    /** Per thread the channel scales and offsets of one key group, as floats. */
    private static final ThreadLocal<float[]> GROUP_PARAMS = ThreadLocal.withInitial(() -> new float[256]);

    /** Writes key rows [from, to) as floats into dst from off (row-major). */
    static void dequantizeKeys(QuantLayout lay, byte[] codes, short[] params, int from, int to, float[] dst, int off) {
        int hd = lay.headDim(), rb = lay.rowBytes();
        if (!vectorPath(lay)) {
            for (int r = from; r < to; r++) {
                int p = (r / GROUP) * 2 * hd, at = r * rb, d = off + (r - from) * hd;
                for (int c = 0; c < hd; c++) {
                    dst[d + c] = Math.fma(Float.float16ToFloat(params[p + c]), lay.get(codes, at, c), Float.float16ToFloat(params[p + hd + c]));
                }
            }
            return;
        }
        float[] so = GROUP_PARAMS.get();
        if (so.length < 2 * hd) {
            so = new float[2 * hd];
            GROUP_PARAMS.set(so);
        }
        boolean eight = lay.bits() == 8;
        int block = lay.block(), half = block / 2;
        for (int g0 = from; g0 < to; ) {
            int g = g0 / GROUP, end = Math.min(to, (g + 1) * GROUP), p = g * 2 * hd;
            // the group's scales and offsets once (value = offset + scale · u, exactly as the scalar path); channels
            // outside, rows inside, so that each lane range's scale and offset vectors are loaded once per group
            VectorMath.fromF16(params, p, so, 0, 2 * hd);
            if (eight) {
                for (int j = 0; j < hd; j += BL) {
                    for (int part = 0; part < PARTS; part++) {
                        int c = j + part * L;
                        FloatVector sc = FloatVector.fromArray(F, so, c), o = FloatVector.fromArray(F, so, hd + c);
                        for (int r = g0; r < end; r++) {
                            ByteVector x = ByteVector.fromArray(B, codes, r * rb + j);
                            FloatVector u = (FloatVector) ((IntVector) x.convertShape(VectorOperators.B2I, I, part)).add(QuantLayout.Q8_BIAS)
                                    .convert(VectorOperators.I2F, 0);
                            sc.fma(u, o).intoArray(dst, off + (r - from) * hd + c);
                        }
                    }
                }
            } else {
                for (int bk = 0; bk < hd; bk += block) {
                    for (int i = 0; i < half; i += BL) {
                        for (int part = 0; part < PARTS; part++) {
                            int lo = bk + i + part * L, hi = lo + half;
                            FloatVector sl = FloatVector.fromArray(F, so, lo), ol = FloatVector.fromArray(F, so, hd + lo);
                            FloatVector sh = FloatVector.fromArray(F, so, hi), oh = FloatVector.fromArray(F, so, hd + hi);
                            for (int r = g0; r < end; r++) {
                                IntVector v = (IntVector) ByteVector.fromArray(B, codes, r * rb + bk / 2 + i).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                                int d = off + (r - from) * hd;
                                sl.fma((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0), ol).intoArray(dst, d + lo);
                                sh.fma((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), oh).intoArray(dst, d + hi);
                            }
                        }
                    }
                }
            }
            g0 = end;
        }
    }

    /** Writes value rows [from, to) as floats into dst from off (row-major). */
    static void dequantizeValues(QuantLayout lay, byte[] codes, short[] params, int from, int to, float[] dst, int off) {
        int hd = lay.headDim(), rb = lay.rowBytes(), block = lay.block(), ps = 2 * lay.blocks();
        if (!vectorPath(lay)) {
            for (int r = from; r < to; r++) {
                int at = r * rb, d = off + (r - from) * hd;
                for (int c = 0; c < hd; c++) {
                    int p = r * ps + 2 * (c / block);
                    dst[d + c] = Math.fma(Float.float16ToFloat(params[p]), lay.get(codes, at, c), Float.float16ToFloat(params[p + 1]));
                }
            }
            return;
        }
        int half = block / 2;
        if (lay.bits() == 8) {
            for (int r = from; r < to; r++) {
                int at = r * rb, d = off + (r - from) * hd;
                for (int bi = 0, bk = 0; bk < hd; bi++, bk += block) {
                    int p = r * ps + 2 * bi;
                    FloatVector sc = FloatVector.broadcast(F, Float.float16ToFloat(params[p])), o = FloatVector.broadcast(F, Float.float16ToFloat(params[p + 1]));
                    for (int j = 0; j < block; j += BL) {
                        ByteVector x = ByteVector.fromArray(B, codes, at + bk + j);
                        for (int part = 0; part < PARTS; part++) {
                            FloatVector u = (FloatVector) ((IntVector) x.convertShape(VectorOperators.B2I, I, part)).add(QuantLayout.Q8_BIAS)
                                    .convert(VectorOperators.I2F, 0);
                            sc.fma(u, o).intoArray(dst, d + bk + j + part * L);
                        }
                    }
                }
            }
            return;
        }
        if (PARTS == 1 && half == 2 * BL) {
            // blocks of 32 channels at 256 bits: the block's 16 bytes as two loads, written out (the loop below was slower)
            for (int r = from; r < to; r++) {
                int at = r * rb, d = off + (r - from) * hd;
                for (int bi = 0, bk = 0; bk < hd; bi++, bk += block) {
                    int p = r * ps + 2 * bi, lo = d + bk;
                    FloatVector sc = FloatVector.broadcast(F, Float.float16ToFloat(params[p])), o = FloatVector.broadcast(F, Float.float16ToFloat(params[p + 1]));
                    IntVector v = (IntVector) ByteVector.fromArray(B, codes, at + bk / 2).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector w = (IntVector) ByteVector.fromArray(B, codes, at + bk / 2 + BL).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    sc.fma((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo);
                    sc.fma((FloatVector) w.and(0x0F).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + BL);
                    sc.fma((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + half);
                    sc.fma((FloatVector) w.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + half + BL);
                }
            }
            return;
        }
        for (int r = from; r < to; r++) {
            int at = r * rb, d = off + (r - from) * hd;
            for (int bi = 0, bk = 0; bk < hd; bi++, bk += block) {
                int p = r * ps + 2 * bi;
                FloatVector sc = FloatVector.broadcast(F, Float.float16ToFloat(params[p])), o = FloatVector.broadcast(F, Float.float16ToFloat(params[p + 1]));
                for (int i = 0; i < half; i += BL) {
                    ByteVector x = ByteVector.fromArray(B, codes, at + bk / 2 + i);
                    for (int part = 0; part < PARTS; part++) {
                        IntVector v = (IntVector) x.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                        int lo = d + bk + i + part * L;
                        sc.fma((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo);
                        sc.fma((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + half);
                    }
                }
            }
        }
    }
}
