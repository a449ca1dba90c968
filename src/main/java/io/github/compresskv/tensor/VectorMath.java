package io.github.compresskv.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.I;
import static io.github.compresskv.tensor.Simd.L;
import static io.github.compresskv.tensor.Simd.S;

/**
 * Dense F32 / F16 vector kernels used by the forward pass and the KV cache (attention scores, weighted
 * sums of values, scaling). F16 values are IEEE half-precision bit patterns in {@code short[]}.
 * Reductions are computed in vector lanes, so their summation order differs from a plain loop.
 */
public final class VectorMath {
    private VectorMath() {}

    /** Double lanes of F's bit size: a float vector converts into two of them. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, VectorShape.forBitSize(F.vectorBitSize()));

    // constants of the vector exp in softmax (Cephes expf)
    private static final float EXP_LO = -87.33654f; // below: e^x underflows to (about) the smallest normal; taken as 0
    private static final float EXP_HI = 88f; // e^88 < Float.MAX_VALUE
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5 · 2^23: adding and subtracting it rounds to an integer
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** Σ a[aOff+i] · b[bOff+i] for i < n. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
        }
        for (; i + L <= n; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /**
     * out[outOff + r] = scale · (x[r · stride ..] · q[qOff ..]) over n elements, for r < rows: attention scores of one
     * query against row-major keys. Rows of 2 or 4 vectors (head sizes 32/64 at 512 bits, 16/32 at 256 bits) keep
     * the query in registers and score two rows per step; longer rows of whole pairs of vectors (64, 128 at 256 bits)
     * score two rows per step too, reading the query as they go; other sizes call {@link #dot} per row.
     */
    public static void rowDots(float[] x, int stride, int rows, float[] q, int qOff, int n, float scale, float[] out, int outOff) {
        rowDots(x, 0, stride, rows, q, qOff, n, scale, out, outOff);
    }

    /** {@link #rowDots(float[], int, int, float[], int, int, float, float[], int)} over the rows from x[xOff]. */
    public static void rowDots(float[] x, int xOff, int stride, int rows, float[] q, int qOff, int n, float scale, float[] out, int outOff) {
        if (n == 4 * L) {
            FloatVector q0 = FloatVector.fromArray(F, q, qOff), q1 = FloatVector.fromArray(F, q, qOff + L),
                    q2 = FloatVector.fromArray(F, q, qOff + 2 * L), q3 = FloatVector.fromArray(F, q, qOff + 3 * L);
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                int a = xOff + r * stride, b = a + stride;
                FloatVector sa = FloatVector.fromArray(F, x, a).mul(q0).add(FloatVector.fromArray(F, x, a + L).mul(q1))
                        .add(FloatVector.fromArray(F, x, a + 2 * L).fma(q2, FloatVector.fromArray(F, x, a + 3 * L).mul(q3)));
                FloatVector sb = FloatVector.fromArray(F, x, b).mul(q0).add(FloatVector.fromArray(F, x, b + L).mul(q1))
                        .add(FloatVector.fromArray(F, x, b + 2 * L).fma(q2, FloatVector.fromArray(F, x, b + 3 * L).mul(q3)));
                out[outOff + r] = scale * sa.reduceLanes(VectorOperators.ADD);
                out[outOff + r + 1] = scale * sb.reduceLanes(VectorOperators.ADD);
            }
            for (; r < rows; r++) out[outOff + r] = scale * dot(x, xOff + r * stride, q, qOff, n);
        } else if (n == 2 * L) {
            FloatVector q0 = FloatVector.fromArray(F, q, qOff), q1 = FloatVector.fromArray(F, q, qOff + L);
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                int a = xOff + r * stride, b = a + stride;
                FloatVector sa = FloatVector.fromArray(F, x, a).fma(q0, FloatVector.fromArray(F, x, a + L).mul(q1));
                FloatVector sb = FloatVector.fromArray(F, x, b).fma(q0, FloatVector.fromArray(F, x, b + L).mul(q1));
                out[outOff + r] = scale * sa.reduceLanes(VectorOperators.ADD);
                out[outOff + r + 1] = scale * sb.reduceLanes(VectorOperators.ADD);
            }
            for (; r < rows; r++) out[outOff + r] = scale * dot(x, xOff + r * stride, q, qOff, n);
        } else if (n % (2 * L) == 0) {
            rowDotsByPairs(x, xOff, stride, rows, q, qOff, n, scale, out, outOff);
        } else {
            for (int r = 0; r < rows; r++) out[outOff + r] = scale * dot(x, xOff + r * stride, q, qOff, n);
        }
    }

    /** {@link #rowDots} for rows of whole pairs of vectors longer than four: two rows per step, the query read as they go. */
    private static void rowDotsByPairs(float[] x, int xOff, int stride, int rows, float[] q, int qOff, int n, float scale, float[] out, int outOff) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            int a = xOff + r * stride, b = a + stride;
            FloatVector sa = FloatVector.zero(F), ta = sa, sb = sa, tb = sa;
            for (int j = 0; j < n; j += 2 * L) {
                FloatVector q0 = FloatVector.fromArray(F, q, qOff + j), q1 = FloatVector.fromArray(F, q, qOff + j + L);
                sa = FloatVector.fromArray(F, x, a + j).fma(q0, sa);
                ta = FloatVector.fromArray(F, x, a + j + L).fma(q1, ta);
                sb = FloatVector.fromArray(F, x, b + j).fma(q0, sb);
                tb = FloatVector.fromArray(F, x, b + j + L).fma(q1, tb);
            }
            out[outOff + r] = scale * sa.add(ta).reduceLanes(VectorOperators.ADD);
            out[outOff + r + 1] = scale * sb.add(tb).reduceLanes(VectorOperators.ADD);
        }
        for (; r < rows; r++) out[outOff + r] = scale * dot(x, xOff + r * stride, q, qOff, n);
    }

    /**
     * gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^−gate[i]) · up[i] for i in [from, to): SwiGLU's gating,
     * with e^x computed in vector lanes as in {@link #softmax} (argument clamped to [−87.3, 88]: beyond, the
     * result is 0 or the identity to float precision). The scalar Math.exp per element took 3% of a prefill.
     */
    public static void siluMul(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector xc = g.neg().max(EXP_LO).min(EXP_HI);
            FloatVector kf = xc.fma(LOG2E, ROUND).sub(ROUND);
            FloatVector r = kf.fma(FloatVector.broadcast(F, -LN2_HI), xc).add(kf.mul(-LN2_LO));
            FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(F, P2)).fma(r, FloatVector.broadcast(F, P3))
                    .fma(r, FloatVector.broadcast(F, P4)).fma(r, FloatVector.broadcast(F, P5));
            p = p.mul(r.mul(r)).add(r).add(1f);
            FloatVector pow = ((IntVector) kf.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            g.div(p.mul(pow).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) gate[i] = (float) (gate[i] / (1.0 + Math.exp(-gate[i]))) * up[i];
    }

    /** Σ half(a[aOff+i]) · b[bOff+i] for i < n. */
    public static float dotF16(short[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(S, a, aOff + i).convertShape(VectorOperators.S2I, I, 0);
            // half → float without hardware help (the Vector API has no such conversion): magnitude
            // bits moved up and scaled by 2^112 (exact for normals and subnormals), exponent 31
            // (Inf/NaN) gets the all-ones float exponent, sign copied. Written out here rather than in
            // a helper: a vector-returning helper that C2 does not inline boxes every vector.
            IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            FloatVector v = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                    .or(h.and(0x80000000)).reinterpretAsFloats();
            FloatVector next = v.fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc0 = acc1;
            acc1 = next;
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += Float.float16ToFloat(a[aOff + i]) * b[bOff + i];
        return s;
    }

    /** y[yOff+i] += alpha · x[xOff+i] for i < n. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }

    /**
     * y[yOff + j] += Σ_r w[wOff + r] · x[r · stride + j] for j < n, r < rows: the weighted sum of row-major rows
     * (attention's probabilities times the value rows). The sums stay in registers across rows (column blocks of
     * four vectors, even and odd rows in separate accumulators): an axpy per row instead stores and reloads y for
     * every row, a chain through memory that ran at 9 ns per 64-wide row.
     */
    public static void weightedRowSum(float[] w, int wOff, int rows, float[] x, int stride, float[] y, int yOff, int n) {
        weightedRowSum(w, wOff, rows, x, 0, stride, y, yOff, n);
    }

    /** {@link #weightedRowSum(float[], int, int, float[], int, float[], int, int)} over the rows from x[xOff]. */
    public static void weightedRowSum(float[] w, int wOff, int rows, float[] x, int xOff, int stride, float[] y, int yOff, int n) {
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                FloatVector wa = FloatVector.broadcast(F, w[wOff + r]), wb = FloatVector.broadcast(F, w[wOff + r + 1]);
                int xa = xOff + r * stride + j, xb = xa + stride;
                a0 = FloatVector.fromArray(F, x, xa).fma(wa, a0);
                a1 = FloatVector.fromArray(F, x, xa + L).fma(wa, a1);
                a2 = FloatVector.fromArray(F, x, xa + 2 * L).fma(wa, a2);
                a3 = FloatVector.fromArray(F, x, xa + 3 * L).fma(wa, a3);
                b0 = FloatVector.fromArray(F, x, xb).fma(wb, b0);
                b1 = FloatVector.fromArray(F, x, xb + L).fma(wb, b1);
                b2 = FloatVector.fromArray(F, x, xb + 2 * L).fma(wb, b2);
                b3 = FloatVector.fromArray(F, x, xb + 3 * L).fma(wb, b3);
            }
            if (r < rows) {
                FloatVector wa = FloatVector.broadcast(F, w[wOff + r]);
                int xa = xOff + r * stride + j;
                a0 = FloatVector.fromArray(F, x, xa).fma(wa, a0);
                a1 = FloatVector.fromArray(F, x, xa + L).fma(wa, a1);
                a2 = FloatVector.fromArray(F, x, xa + 2 * L).fma(wa, a2);
                a3 = FloatVector.fromArray(F, x, xa + 3 * L).fma(wa, a3);
            }
            int o = yOff + j;
            a0.add(b0).add(FloatVector.fromArray(F, y, o)).intoArray(y, o);
            a1.add(b1).add(FloatVector.fromArray(F, y, o + L)).intoArray(y, o + L);
            a2.add(b2).add(FloatVector.fromArray(F, y, o + 2 * L)).intoArray(y, o + 2 * L);
            a3.add(b3).add(FloatVector.fromArray(F, y, o + 3 * L)).intoArray(y, o + 3 * L);
        }
        for (; j + L <= n; j += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int xa = xOff + r * stride + j;
                a0 = FloatVector.fromArray(F, x, xa).fma(FloatVector.broadcast(F, w[wOff + r]), a0);
                a1 = FloatVector.fromArray(F, x, xa + stride).fma(FloatVector.broadcast(F, w[wOff + r + 1]), a1);
                a2 = FloatVector.fromArray(F, x, xa + 2 * stride).fma(FloatVector.broadcast(F, w[wOff + r + 2]), a2);
                a3 = FloatVector.fromArray(F, x, xa + 3 * stride).fma(FloatVector.broadcast(F, w[wOff + r + 3]), a3);
            }
            for (; r < rows; r++) a0 = FloatVector.fromArray(F, x, xOff + r * stride + j).fma(FloatVector.broadcast(F, w[wOff + r]), a0);
            a0.add(a1).add(a2.add(a3)).add(FloatVector.fromArray(F, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            float acc = 0;
            for (int r = 0; r < rows; r++) acc = Math.fma(w[wOff + r], x[xOff + r * stride + j], acc);
            y[yOff + j] += acc;
        }
    }

    /** {@link #weightedRowSum} over F16 rows (half bit patterns), converted in lanes as in {@link #dotF16}. */
    public static void weightedRowSumF16(float[] w, int wOff, int rows, short[] x, int stride, float[] y, int yOff, int n) {
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
            for (int r = 0; r < rows; r++) {
                FloatVector wr = FloatVector.broadcast(F, w[wOff + r]);
                int xa = r * stride + j;
                IntVector h = (IntVector) ShortVector.fromArray(S, x, xa).convertShape(VectorOperators.S2I, I, 0);
                IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
                FloatVector v = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                        .or(h.and(0x80000000)).reinterpretAsFloats();
                IntVector h2 = (IntVector) ShortVector.fromArray(S, x, xa + L).convertShape(VectorOperators.S2I, I, 0);
                IntVector magnitude2 = h2.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
                FloatVector v2 = magnitude2.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(magnitude2.or(0x7f800000), magnitude2.compare(VectorOperators.GE, 0x7c00 << 13))
                        .or(h2.and(0x80000000)).reinterpretAsFloats();
                if ((r & 1) == 0) {
                    a0 = v.fma(wr, a0);
                    a1 = v2.fma(wr, a1);
                } else {
                    b0 = v.fma(wr, b0);
                    b1 = v2.fma(wr, b1);
                }
            }
            int o = yOff + j;
            a0.add(b0).add(FloatVector.fromArray(F, y, o)).intoArray(y, o);
            a1.add(b1).add(FloatVector.fromArray(F, y, o + L)).intoArray(y, o + L);
        }
        for (; j < n; j++) {
            float acc = 0;
            for (int r = 0; r < rows; r++) acc = Math.fma(w[wOff + r], Float.float16ToFloat(x[r * stride + j]), acc);
            y[yOff + j] += acc;
        }
    }

    /** y[yOff+i] += alpha · half(x[xOff+i]) for i < n. */
    public static void axpyF16(float alpha, short[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromArray(S, x, xOff + i).convertShape(VectorOperators.S2I, I, 0);
            // half → float as in dotF16
            IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            FloatVector v = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(magnitude.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00 << 13))
                    .or(h.and(0x80000000)).reinterpretAsFloats();
            v.fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, Float.float16ToFloat(x[xOff + i]), y[yOff + i]);
    }

    /** x[off+i] *= alpha for i < n. */
    public static void scale(float[] x, int off, int n, float alpha) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, x, off + i).mul(a).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= alpha;
    }

    /** y[yOff+i] += x[xOff+i] for i < n. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /** max of x[off+i] for i < n (n ≥ 1); NaN if any element is NaN. */
    public static float max(float[] x, int off, int n) {
        if (n < 1) throw new IllegalArgumentException("max of an empty range");
        float m = x[off];
        int i = 0;
        if (n >= L) {
            FloatVector v = FloatVector.fromArray(F, x, off);
            for (i = L; i + L <= n; i += L) v = v.max(FloatVector.fromArray(F, x, off + i));
            m = v.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /** Σ x[off+i] for i < n. */
    public static float sum(float[] x, int off, int n) {
        FloatVector s = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) s = s.add(FloatVector.fromArray(F, x, off + i));
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) r += x[off + i];
        return r;
    }

    /** dst[dstOff+i] = half(src[srcOff+i]) for i < n (round to nearest even, as {@link Float#floatToFloat16}). */
    public static void toF16(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.floatToFloat16(src[srcOff + i]);
    }

    /** dst[dstOff+i] = float(src[srcOff+i]) for i < n (a plain loop: C2 vectorizes it with the hardware conversion). */
    public static void fromF16(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
    }

    /**
     * In-place softmax of s[off .. off + n): max-subtracted exponentials in float (vector polynomial, within a few
     * ulp of {@link Math#exp}; exactly 0 below e^-87.3), summed in double, then scaled.
     * The one softmax of attention everywhere (engine, scorers, profilers), so that they agree to the last bit.
     */
    public static void softmax(float[] s, int off, int n) {
        if (n == 0) return;
        double sum = expShifted(s, off, n, max(s, off, n));
        float inv = (float) (1.0 / sum);
        int i = off, end = off + n;
        for (; i + L <= end; i += L) FloatVector.fromArray(F, s, i).mul(inv).intoArray(s, i);
        for (; i < end; i++) s[i] *= inv;
    }

    /**
     * s[i] = e^(s[i] - shift) in place for i in [off, off + n), returning their sum (in double): the exponentials of
     * {@link #softmax}, for callers that normalise later (the blocked prefill attention's running softmax).
     */
    public static double expShifted(float[] s, int off, int n, float shift) {
        int i, end = off + n;
        // exp in vector lanes (Cephes' expf: e^x = 2^k · p(r), |r| ≤ ln2/2, degree-7 polynomial, ~1 ulp);
        // the scalar Math.exp call per score dominated decode attention. The Vector API's EXP is not
        // intrinsified on every JDK build (it boxed every vector here), hence the polynomial. Sums in double lanes.
        DoubleVector sum0 = DoubleVector.zero(D), sum1 = sum0;
        for (i = off; i + L <= end; i += L) {
            FloatVector x = FloatVector.fromArray(F, s, i).sub(shift);
            FloatVector xc = x.max(EXP_LO);
            FloatVector kf = xc.fma(LOG2E, ROUND).sub(ROUND); // round(x / ln2)
            FloatVector r = kf.fma(FloatVector.broadcast(F, -LN2_HI), xc).add(kf.mul(-LN2_LO));
            FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(F, P2)).fma(r, FloatVector.broadcast(F, P3))
                    .fma(r, FloatVector.broadcast(F, P4)).fma(r, FloatVector.broadcast(F, P5));
            p = p.mul(r.mul(r)).add(r).add(1f);
            FloatVector pow = ((IntVector) kf.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(pow).blend(0f, x.compare(VectorOperators.LT, EXP_LO));
            e.intoArray(s, i);
            sum0 = sum0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            sum1 = sum1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = sum0.add(sum1).reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            float e = (float) Math.exp(s[i] - shift);
            s[i] = e;
            sum += e;
        }
        return sum;
    }
}
