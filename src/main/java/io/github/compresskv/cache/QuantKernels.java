package io.github.compresskv.cache;

import io.github.compresskv.tensor.MatmulKernels;
import io.github.compresskv.tensor.Simd;
import io.github.compresskv.tensor.ThreadFloats;
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
 * dequantized copy of the cache). Keys: per group, the codes become floats once in a channel-major scratch of one group
 * (a few KB, in L1), the query is multiplied by the group's channel scales (qs = q · scale), and a row's score is
 * qs · codes plus one constant per group (q · offsets), computed with rows in the vector lanes; the query heads of a
 * GQA group share the converted group. Values: per row and block the weight is folded into the scale (w · scale) and
 * the offsets are summed as scalars; decode's grouped value sums convert a tile of rows to unscaled floats once per
 * GQA group and fold each row's scale into every query head's weights ({@link #groupValues}). The value vector paths
 * need a block whose code bytes split into whole byte loads (head
 * sizes 32, 64, 128, ... at every width); other sizes take the scalar loops.
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
    private static final ThreadFloats SCALED_QUERY = new ThreadFloats(128);
    /** Per thread the value scales (then the offsets) of one tile's rows, block by block, as floats. */
    private static final ThreadFloats TILE_PARAMS = new ThreadFloats(4 * HeadRows.TILE_ROWS);
    /** Per thread the channel scales and offsets of one key group, as floats. */
    private static final ThreadFloats GROUP_PARAMS = new ThreadFloats(256);
    /** Per thread w · scale of every row of one value block. */
    private static final ThreadFloats SCALED_WEIGHTS = new ThreadFloats(256);
    /** Per thread one key group's codes as floats, channel-major (keyScores' scratch; decode passes its own tile). */
    private static final ThreadFloats GROUP_TILE = new ThreadFloats(GROUP * 128);
    /** Per thread the scores of a group that the visible rows end inside. */
    private static final ThreadFloats PARTIAL = new ThreadFloats(2 * GROUP);
    /** Per thread the two query heads' constants q · offsets of one key group. */
    private static final ThreadFloats BIASES = new ThreadFloats(2);

    /** Whether {@link #groupValues} takes this layout (else the caller reads dequantized tiles). */
    static boolean groupValuesVectorized(QuantLayout lay) { return vectorPath(lay); }

    /**
     * out[outOff + j · headDim + c] += Σ_r w[j · wStride + r] · value_r[c] for the {@code queries} query heads j over the
     * quantized value rows r in [0, rows) ({@link #groupValuesVectorized} layouts only). Per tile of rows the codes
     * become floats once, not scaled ({@code tile}, at least TILE_ROWS × headDim floats); each query head folds a row's
     * scale into its weight (w · scale, in lanes over the rows) and adds Σ w · offset per block, so the conversion does
     * no arithmetic per code beyond the unpacking.
     */
    static void groupValues(QuantLayout lay, byte[] codes, short[] params, int rows, float[] w, int wStride, int queries,
                            float[] out, int outOff, float[] tile) {
        int hd = lay.headDim(), block = lay.block(), blocks = lay.blocks(), ps = 2 * blocks, tr = HeadRows.tileRows(hd);
        boolean eight = lay.bits() == 8;
        float[] pf = TILE_PARAMS.atLeast(2 * tr * blocks + tr * ps);
        float[] ws = SCALED_WEIGHTS.atLeast(tr);
        int raw = 2 * tr * blocks; // pf: [scales of block b at b·tr][offsets of block b at (blocks + b)·tr][the tile's params as read]
        for (int r0 = 0; r0 < rows; r0 += tr) {
            int n = Math.min(tr, rows - r0);
            valueCodesToTile(lay, codes, r0, n, tile);
            VectorMath.fromF16(params, r0 * ps, pf, raw, n * ps);
            for (int b = 0; b < blocks; b++) {
                for (int r = 0; r < n; r++) {
                    float sc = pf[raw + r * ps + 2 * b], o = pf[raw + r * ps + 2 * b + 1];
                    pf[b * tr + r] = sc;
                    pf[(blocks + b) * tr + r] = o;
                }
            }
            for (int j = 0; j < queries; j++) {
                int wj = j * wStride + r0;
                for (int b = 0; b < blocks; b++) {
                    int so = b * tr, oo = (blocks + b) * tr, r = 0;
                    FloatVector ov = FloatVector.zero(F);
                    for (; r + L <= n; r += L) {
                        FloatVector x = FloatVector.fromArray(F, w, wj + r);
                        x.mul(FloatVector.fromArray(F, pf, so + r)).intoArray(ws, r);
                        ov = x.fma(FloatVector.fromArray(F, pf, oo + r), ov);
                    }
                    float offsets = ov.reduceLanes(VectorOperators.ADD);
                    for (; r < n; r++) {
                        ws[r] = w[wj + r] * pf[so + r];
                        offsets = Math.fma(w[wj + r], pf[oo + r], offsets);
                    }
                    int o = outOff + j * hd + b * block;
                    VectorMath.weightedRowSum(ws, 0, n, tile, b * block, hd, out, o, block);
                    FloatVector add = FloatVector.broadcast(F, offsets);
                    for (int c = 0; c < block; c += L) add.add(FloatVector.fromArray(F, out, o + c)).intoArray(out, o + c);
                }
            }
        }
    }

    /** Value rows [r0, r0 + n) as floats u (8-bit: u, not u − 128; neither offset nor scaled), row-major into tile. */
    private static void valueCodesToTile(QuantLayout lay, byte[] codes, int r0, int n, float[] tile) {
        int hd = lay.headDim(), rb = lay.rowBytes(), block = lay.block(), half = block / 2;
        if (lay.bits() == 8) {
            for (int r = 0; r < n; r++) {
                int at = (r0 + r) * rb, d = r * hd;
                for (int j = 0; j < hd; j += BL) {
                    ByteVector x = ByteVector.fromArray(B, codes, at + j);
                    for (int part = 0; part < PARTS; part++) {
                        ((FloatVector) ((IntVector) x.convertShape(VectorOperators.B2I, I, part)).add(QuantLayout.Q8_BIAS)
                                .convert(VectorOperators.I2F, 0)).intoArray(tile, d + j + part * L);
                    }
                }
            }
            return;
        }
        if (PARTS == 1 && half == 2 * BL) {
            // blocks of 32 channels at 256 bits: the tile's rows are one run of 16-byte blocks, each two loads and 32 floats
            // at twice its byte offset; one flat loop (per row and block it ran 2× slower)
            int base = r0 * rb, bytes = n * rb;
            for (int k = 0; k < bytes; k += 2 * BL) {
                IntVector a = (IntVector) ByteVector.fromArray(B, codes, base + k).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector b = (IntVector) ByteVector.fromArray(B, codes, base + k + BL).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                int t = 2 * k;
                ((FloatVector) a.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t);
                ((FloatVector) b.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t + BL);
                ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half);
                ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half + BL);
            }
            return;
        }
        for (int r = 0; r < n; r++) {
            int at = (r0 + r) * rb, d = r * hd;
            for (int bk = 0; bk < hd; bk += block) {
                for (int i = 0; i < half; i += BL) {
                    ByteVector x = ByteVector.fromArray(B, codes, at + bk / 2 + i);
                    for (int part = 0; part < PARTS; part++) {
                        IntVector v = (IntVector) x.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                        int t = d + bk + i + part * L;
                        ((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half);
                    }
                }
            }
        }
    }

    private static boolean vectorPath(QuantLayout q) {
        return q.bits() == 8 ? q.block() % BL == 0 : (q.block() / 2) % BL == 0;
    }

    /** out[outOff + r] = scale · (query · key_r) for the quantized key rows r in [0, rows). */
    static void keyScores(QuantLayout lay, byte[] codes, short[] params, int rows, float[] query, int qOff, float scale,
                          float[] out, int outOff) {
        float[] tile = GROUP_TILE.atLeast(GROUP * lay.headDim());
        groupKeyScores(lay, codes, params, rows, query, qOff, 1, scale, out, outOff, 0, tile);
    }

    /**
     * out[outOff + j · outStride + r] = scale · (q_j · key_r) for the {@code queries} query heads j whose vectors lie one
     * after the other from q[qOff], over the quantized key rows r in [0, rows). Per group the codes are converted to
     * floats once ({@code tile}, at least GROUP × headDim floats, channel-major: one channel's rows side by side), and
     * each query head, multiplied by the group's channel scales (qs = q · scale), is broadcast channel by channel
     * against them: the lanes hold rows, so a row's score needs no reduction across lanes; the offsets add one
     * constant per group and query (q · offsets).
     */
    static void groupKeyScores(QuantLayout lay, byte[] codes, short[] params, int rows, float[] q, int qOff, int queries,
                               float scale, float[] out, int outOff, int outStride, float[] tile) {
        int hd = lay.headDim(), groupBytes = GROUP * lay.rowBytes();
        float[] so = GROUP_PARAMS.atLeast(2 * hd), qs = SCALED_QUERY.atLeast(2 * hd), bias = BIASES.atLeast(2);
        for (int g0 = 0; g0 < rows; g0 += GROUP) {
            int n = Math.min(GROUP, rows - g0);
            VectorMath.fromF16(params, (g0 / GROUP) * 2 * hd, so, 0, 2 * hd);
            keyCodesToTile(lay, codes, (g0 / GROUP) * groupBytes, tile);
            for (int j = 0; j < queries; ) {
                // two query heads per pass when there are two (at 256 bits): each tile vector loaded once feeds both
                int pair = L == 8 && j + 2 <= queries ? 2 : 1;
                for (int h = 0; h < pair; h++) bias[h] = scaleQuery(q, qOff + (j + h) * hd, so, hd, qs, h * hd);
                float[] dst = out;
                int at = outOff + j * outStride + g0, at2 = at + outStride;
                if (n < GROUP) {
                    dst = PARTIAL.atLeast(2 * GROUP);
                    at = 0;
                    at2 = GROUP;
                }
                if (pair == 2) {
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    for (int c = 0; c < hd; c++) {
                        FloatVector x = FloatVector.broadcast(F, qs[c]), y = FloatVector.broadcast(F, qs[hd + c]);
                        int t = c * GROUP;
                        FloatVector v0 = FloatVector.fromArray(F, tile, t), v1 = FloatVector.fromArray(F, tile, t + 8);
                        FloatVector v2 = FloatVector.fromArray(F, tile, t + 16), v3 = FloatVector.fromArray(F, tile, t + 24);
                        a0 = v0.fma(x, a0);
                        a1 = v1.fma(x, a1);
                        a2 = v2.fma(x, a2);
                        a3 = v3.fma(x, a3);
                        b0 = v0.fma(y, b0);
                        b1 = v1.fma(y, b1);
                        b2 = v2.fma(y, b2);
                        b3 = v3.fma(y, b3);
                    }
                    a0.add(bias[0]).mul(scale).intoArray(dst, at);
                    a1.add(bias[0]).mul(scale).intoArray(dst, at + 8);
                    a2.add(bias[0]).mul(scale).intoArray(dst, at + 16);
                    a3.add(bias[0]).mul(scale).intoArray(dst, at + 24);
                    b0.add(bias[1]).mul(scale).intoArray(dst, at2);
                    b1.add(bias[1]).mul(scale).intoArray(dst, at2 + 8);
                    b2.add(bias[1]).mul(scale).intoArray(dst, at2 + 16);
                    b3.add(bias[1]).mul(scale).intoArray(dst, at2 + 24);
                } else if (L == 8) {
                    // one head at 256 bits: two channels per step keep eight FMA chains in flight
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    int c = 0;
                    for (; c + 2 <= hd; c += 2) {
                        FloatVector x = FloatVector.broadcast(F, qs[c]), y = FloatVector.broadcast(F, qs[c + 1]);
                        int t = c * GROUP, u = t + GROUP;
                        a0 = FloatVector.fromArray(F, tile, t).fma(x, a0);
                        a1 = FloatVector.fromArray(F, tile, t + 8).fma(x, a1);
                        a2 = FloatVector.fromArray(F, tile, t + 16).fma(x, a2);
                        a3 = FloatVector.fromArray(F, tile, t + 24).fma(x, a3);
                        b0 = FloatVector.fromArray(F, tile, u).fma(y, b0);
                        b1 = FloatVector.fromArray(F, tile, u + 8).fma(y, b1);
                        b2 = FloatVector.fromArray(F, tile, u + 16).fma(y, b2);
                        b3 = FloatVector.fromArray(F, tile, u + 24).fma(y, b3);
                    }
                    a0.add(b0).add(bias[0]).mul(scale).intoArray(dst, at);
                    a1.add(b1).add(bias[0]).mul(scale).intoArray(dst, at + 8);
                    a2.add(b2).add(bias[0]).mul(scale).intoArray(dst, at + 16);
                    a3.add(b3).add(bias[0]).mul(scale).intoArray(dst, at + 24);
                } else {
                    for (int k = 0; k < GROUP; k += L) {
                        FloatVector a = FloatVector.zero(F), b = a;
                        int c = 0;
                        for (; c + 2 <= hd; c += 2) {
                            a = FloatVector.fromArray(F, tile, c * GROUP + k).fma(FloatVector.broadcast(F, qs[c]), a);
                            b = FloatVector.fromArray(F, tile, (c + 1) * GROUP + k).fma(FloatVector.broadcast(F, qs[c + 1]), b);
                        }
                        a.add(b).add(bias[0]).mul(scale).intoArray(dst, at + k);
                    }
                }
                if (n < GROUP) {
                    for (int h = 0; h < pair; h++) System.arraycopy(dst, h * GROUP, out, outOff + (j + h) * outStride + g0, n);
                }
                j += pair;
            }
        }
    }

    /** qs[qsOff + c] = q[qOff + c] · scale_c over the group's channel scales so[0, hd); returns q · offsets (so[hd, 2hd)). */
    private static float scaleQuery(float[] q, int qOff, float[] so, int hd, float[] qs, int qsOff) {
        FloatVector bv = FloatVector.zero(F);
        int c = 0;
        for (; c + L <= hd; c += L) {
            FloatVector x = FloatVector.fromArray(F, q, qOff + c);
            x.mul(FloatVector.fromArray(F, so, c)).intoArray(qs, qsOff + c);
            bv = x.fma(FloatVector.fromArray(F, so, hd + c), bv);
        }
        float bias = bv.reduceLanes(VectorOperators.ADD);
        for (; c < hd; c++) {
            qs[qsOff + c] = q[qOff + c] * so[c];
            bias = Math.fma(q[qOff + c], so[hd + c], bias);
        }
        return bias;
    }

    /** The key codes of the group at byte {@code base} as floats u (not offset or scaled) into tile[c · GROUP + r]. */
    private static void keyCodesToTile(QuantLayout lay, byte[] codes, int base, float[] tile) {
        int hd = lay.headDim(), cb = lay.keyChannelBytes(), half = GROUP / 2;
        if (lay.bits() == 8) {
            for (int c = 0; c < hd; c++) {
                for (int i = 0; i < cb; i += BL) {
                    ByteVector x = ByteVector.fromArray(B, codes, base + c * cb + i);
                    for (int part = 0; part < PARTS; part++) {
                        ((FloatVector) ((IntVector) x.convertShape(VectorOperators.B2I, I, part)).add(QuantLayout.Q8_BIAS)
                                .convert(VectorOperators.I2F, 0)).intoArray(tile, c * GROUP + i + part * L);
                    }
                }
            }
        } else if (PARTS == 1 && cb == 2 * BL) {
            // 256 bits: a channel's 16 bytes as two loads (rows 0-7 and 16-23, then 8-15 and 24-31), written out
            for (int c = 0; c < hd; c++) {
                IntVector a = (IntVector) ByteVector.fromArray(B, codes, base + c * cb).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector b = (IntVector) ByteVector.fromArray(B, codes, base + c * cb + BL).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                int t = c * GROUP;
                ((FloatVector) a.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t);
                ((FloatVector) b.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t + BL);
                ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half);
                ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half + BL);
            }
        } else {
            for (int c = 0; c < hd; c++) {
                for (int i = 0; i < cb; i += BL) {
                    ByteVector x = ByteVector.fromArray(B, codes, base + c * cb + i);
                    for (int part = 0; part < PARTS; part++) {
                        IntVector v = (IntVector) x.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                        int t = c * GROUP + i + part * L;
                        ((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0)).intoArray(tile, t);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(tile, t + half);
                    }
                }
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
        float[] ws = SCALED_WEIGHTS.atLeast(rows);
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

    /**
     * Keys of the quantized rows [from, from + n) as matmul panels ({@link HeadRows#readKeyPanels}); from and n are
     * multiples of GROUP and of the panel height. A group's channel-major codes are already a panel's layout: each
     * channel's rows are dequantized in lanes and stored as they are.
     */
    static void keyPanels(QuantLayout lay, byte[] codes, short[] params, int from, int n, float[] panels) {
        int hd = lay.headDim(), groupBytes = GROUP * lay.rowBytes(), panel = MatmulKernels.PANEL;
        float[] so = GROUP_PARAMS.atLeast(2 * hd), tile = GROUP_TILE.atLeast(GROUP * hd);
        for (int g0 = from; g0 < from + n; g0 += GROUP) {
            VectorMath.fromF16(params, (g0 / GROUP) * 2 * hd, so, 0, 2 * hd);
            keyCodesToTile(lay, codes, (g0 / GROUP) * groupBytes, tile);
            for (int c = 0; c < hd; c++) {
                FloatVector sc = FloatVector.broadcast(F, so[c]), o = FloatVector.broadcast(F, so[hd + c]);
                for (int i = 0; i < GROUP; i += L) {
                    int rr = g0 - from + i;
                    sc.fma(FloatVector.fromArray(F, tile, c * GROUP + i), o).intoArray(panels, (rr / panel) * hd * panel + c * panel + rr % panel);
                }
            }
        }
    }

    /** Writes key rows [from, to) as floats into dst from off (row-major). */
    static void dequantizeKeys(QuantLayout lay, byte[] codes, short[] params, int from, int to, float[] dst, int off) {
        int hd = lay.headDim(), groupBytes = GROUP * lay.rowBytes();
        float[] so = GROUP_PARAMS.atLeast(2 * hd);
        for (int g0 = from / GROUP * GROUP; g0 < to; g0 += GROUP) {
            int r0 = Math.max(from, g0), r1 = Math.min(to, g0 + GROUP);
            VectorMath.fromF16(params, (g0 / GROUP) * 2 * hd, so, 0, 2 * hd);
            if (r1 - r0 < GROUP / 4) {
                // a few rows (eviction re-reads single rows): decoding the whole group would cost more
                for (int r = r0; r < r1; r++) {
                    int d = off + (r - from) * hd;
                    for (int c = 0; c < hd; c++) dst[d + c] = Math.fma(so[c], lay.getKey(codes, r, c), so[hd + c]);
                }
                continue;
            }
            float[] tile = GROUP_TILE.atLeast(GROUP * hd);
            keyCodesToTile(lay, codes, (g0 / GROUP) * groupBytes, tile);
            // channel-major codes to row-major values: value = offset + scale · u, exactly as the scalar path
            int d0 = off + (r0 - from) * hd;
            for (int c = 0; c < hd; c++) {
                float sc = so[c], o = so[hd + c];
                for (int r = r0, t = c * GROUP + r0 - g0, d = d0 + c; r < r1; r++, t++, d += hd) dst[d] = Math.fma(sc, tile[t], o);
            }
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
            // blocks of 32 channels at 256 bits: the block's 16 bytes as two loads, written out (the loop below was slower);
            // the rows' scales and offsets converted in one vector pass first (one scalar conversion per row cost more)
            float[] pf = TILE_PARAMS.atLeast((to - from) * ps);
            VectorMath.fromF16(params, from * ps, pf, 0, (to - from) * ps);
            // the rows are one run of 16-byte blocks: block k / 16's scale and offset, 32 floats at off + 2k
            int base = from * rb, bytes = (to - from) * rb;
            for (int k = 0; k < bytes; k += 2 * BL) {
                int p = 2 * (k / (2 * BL)), lo = off + 2 * k;
                FloatVector sc = FloatVector.broadcast(F, pf[p]), o = FloatVector.broadcast(F, pf[p + 1]);
                IntVector v = (IntVector) ByteVector.fromArray(B, codes, base + k).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector w = (IntVector) ByteVector.fromArray(B, codes, base + k + BL).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                sc.fma((FloatVector) v.and(0x0F).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo);
                sc.fma((FloatVector) w.and(0x0F).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + BL);
                sc.fma((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + half);
                sc.fma((FloatVector) w.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), o).intoArray(dst, lo + half + BL);
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
