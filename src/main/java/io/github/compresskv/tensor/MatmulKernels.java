package io.github.compresskv.tensor;

import jdk.incubator.vector.FloatVector;

import static io.github.compresskv.tensor.Simd.F;
import static io.github.compresskv.tensor.Simd.L;

/**
 * The inner loops of the prefill matmul, in outer-product form: a tile of {@link #PANEL} weight rows is packed
 * column by column into a panel ({@code panel[k * PANEL + j]} = row j, column k), and for every column k the
 * micro-kernel loads the panel's {@code PANEL} values once (4 vectors) and multiplies them with one broadcast
 * activation of each of 6 tokens: 24 accumulators, 24 FMAs per 4 vector loads and 6 broadcasts (which C2 folds into
 * the FMAs' memory operands), and no horizontal reductions. The dot-product form it replaced (4 rows × 4 tokens,
 * reduced across lanes at the end) issued 8 loads per 16 FMAs and spent a reduction per output; on a core with two
 * 512-bit FMA units it reached about half the rate of this one (docs/performance.md).
 *
 * <p>Results go to y[t * yStride + yRow0 + r]. Every output is one FMA chain over the columns in order, whichever
 * kernel computes it: a token's results are the same bits wherever it falls in a chunk.
 */
public final class MatmulKernels {
    private MatmulKernels() {}

    /** Weight rows per panel: four vectors. */
    public static final int PANEL = 4 * L;
    /** Tokens per micro-kernel call. */
    public static final int TOKENS = 6;

    /**
     * Packs rows [0, nr) of the row-major tile {@code rows} (cols each) into {@code panel} (PANEL × cols), rows
     * nr .. PANEL zero.
     */
    public static void pack(float[] rows, int nr, int cols, float[] panel) {
        pack(rows, 0, nr, cols, panel, 0);
    }

    /** As {@link #pack(float[], int, int, float[])} with the tile at rows[rowsOff] and the panel at panel[panelOff]. */
    public static void pack(float[] rows, int rowsOff, int nr, int cols, float[] panel, int panelOff) {
        if (nr < 1 || nr > PANEL) throw new IllegalArgumentException("a panel holds 1 to " + PANEL + " rows, got " + nr);
        // L rows at a time: one gather collects column k of L rows, one store puts it into the panel (the scalar
        // transpose this replaces cost about a quarter of a 264-token matmul)
        int[] index = GATHER_INDEX.get();
        for (int i = 0; i < L; i++) index[i] = i * cols;
        int j0 = 0;
        for (; j0 + L <= nr; j0 += L) {
            int from = rowsOff + j0 * cols, to = panelOff + j0;
            for (int k = 0; k < cols; k++) FloatVector.fromArray(F, rows, from + k, index, 0).intoArray(panel, to + k * PANEL);
        }
        for (int k = 0; j0 < PANEL && k < cols; k++) { // rows past the last whole L, and the zero padding
            int p = panelOff + k * PANEL;
            for (int j = j0; j < nr; j++) panel[p + j] = rows[rowsOff + j * cols + k];
            for (int j = nr; j < PANEL; j++) panel[p + j] = 0f;
        }
    }

    /** A thread's gather offsets for {@link #pack} (i × cols for lane i). */
    private static final ThreadLocal<int[]> GATHER_INDEX = ThreadLocal.withInitial(() -> new int[L]);

    /**
     * y[t * yStride + yRow0 + r] = row r of the packed panel · x_t, for r &lt; nr (nr ≤ PANEL) and t &lt; n, with
     * x_t at x[t * cols]. {@code out} is scratch of at least TOKENS × PANEL floats (for a panel of fewer rows).
     */
    public static void multiply(float[] panel, int nr, int cols, float[] x, int n, float[] y, int yStride, int yRow0, float[] out) {
        multiply(panel, 0, nr, cols, x, 0, n, y, yStride, yRow0, out);
    }

    /** As {@link #multiply(float[], int, int, float[], int, float[], int, int, float[])} with the panel at panel[p0] and x_t at x[x0 + t * cols]. */
    public static void multiply(float[] panel, int p0, int nr, int cols, float[] x, int x0, int n, float[] y, int yStride, int yRow0,
                                float[] out) {
        if (nr < PANEL) {
            // a partial panel (the last rows of a matrix): whole columns into the scratch, then the nr valid outputs
            int t = 0;
            for (; t + TOKENS <= n; t += TOKENS) {
                kernel6(panel, p0, cols, x, x0 + t * cols, cols, out, 0, PANEL, false);
                for (int i = 0; i < TOKENS; i++) System.arraycopy(out, i * PANEL, y, (t + i) * yStride + yRow0, nr);
            }
            for (; t < n; t++) {
                kernel1(panel, p0, cols, x, x0 + t * cols, out, 0, false);
                System.arraycopy(out, 0, y, t * yStride + yRow0, nr);
            }
            return;
        }
        // columns in blocks of KC: the panel's block (PANEL × KC floats) stays in L1 while every token group uses it;
        // the accumulators go through y between blocks, so each output is still one chain in column order
        for (int k0 = 0; k0 < cols; k0 += KC) {
            int kl = Math.min(KC, cols - k0);
            boolean more = k0 > 0;
            int t = 0;
            for (; t + TOKENS <= n; t += TOKENS) {
                kernel6(panel, p0 + k0 * PANEL, kl, x, x0 + t * cols + k0, cols, y, t * yStride + yRow0, yStride, more);
            }
            for (; t < n; t++) kernel1(panel, p0 + k0 * PANEL, kl, x, x0 + t * cols + k0, y, t * yStride + yRow0, more);
        }
    }

    /** Columns per block of {@link #multiply}: a 32 KiB block of the panel. */
    static final int KC = Math.max(32, 8192 / PANEL);

    /**
     * Six tokens (x at x0, x0 + xStride, ...; kl columns each) against the panel; token i's PANEL results at
     * y[o + i * oStride], added to what is there when {@code accumulate}.
     */
    private static void kernel6(float[] panel, int p0, int kl, float[] x, int x0, int xStride, float[] y, int o, int oStride,
                                boolean accumulate) {
        if (SPLIT) kernel6Halves(panel, p0, kl, x, x0, xStride, y, o, oStride, accumulate);
        else kernel6OnePass(panel, p0, kl, x, x0, xStride, y, o, oStride, accumulate);
    }

    /** {@link #kernel6} with all 24 accumulators at once (32 vector registers: AVX-512). */
    static void kernel6OnePass(float[] panel, int p0, int kl, float[] x, int x0, int xStride, float[] y, int o, int oStride,
                               boolean accumulate) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
        FloatVector c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate) {
            int a = o;
            c00 = FloatVector.fromArray(F, y, a); c01 = FloatVector.fromArray(F, y, a + L); c02 = FloatVector.fromArray(F, y, a + 2 * L); c03 = FloatVector.fromArray(F, y, a + 3 * L);
            a += oStride;
            c10 = FloatVector.fromArray(F, y, a); c11 = FloatVector.fromArray(F, y, a + L); c12 = FloatVector.fromArray(F, y, a + 2 * L); c13 = FloatVector.fromArray(F, y, a + 3 * L);
            a += oStride;
            c20 = FloatVector.fromArray(F, y, a); c21 = FloatVector.fromArray(F, y, a + L); c22 = FloatVector.fromArray(F, y, a + 2 * L); c23 = FloatVector.fromArray(F, y, a + 3 * L);
            a += oStride;
            c30 = FloatVector.fromArray(F, y, a); c31 = FloatVector.fromArray(F, y, a + L); c32 = FloatVector.fromArray(F, y, a + 2 * L); c33 = FloatVector.fromArray(F, y, a + 3 * L);
            a += oStride;
            c40 = FloatVector.fromArray(F, y, a); c41 = FloatVector.fromArray(F, y, a + L); c42 = FloatVector.fromArray(F, y, a + 2 * L); c43 = FloatVector.fromArray(F, y, a + 3 * L);
            a += oStride;
            c50 = FloatVector.fromArray(F, y, a); c51 = FloatVector.fromArray(F, y, a + L); c52 = FloatVector.fromArray(F, y, a + 2 * L); c53 = FloatVector.fromArray(F, y, a + 3 * L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = c00;
            c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = c00;
        }
        int x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        for (int k = 0; k < kl; k++) {
            int p = p0 + k * PANEL;
            FloatVector w0 = FloatVector.fromArray(F, panel, p);
            FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
            FloatVector w2 = FloatVector.fromArray(F, panel, p + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, panel, p + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00); c01 = w1.fma(b, c01); c02 = w2.fma(b, c02); c03 = w3.fma(b, c03);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10); c11 = w1.fma(b, c11); c12 = w2.fma(b, c12); c13 = w3.fma(b, c13);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20); c21 = w1.fma(b, c21); c22 = w2.fma(b, c22); c23 = w3.fma(b, c23);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30); c31 = w1.fma(b, c31); c32 = w2.fma(b, c32); c33 = w3.fma(b, c33);
            b = FloatVector.broadcast(F, x[x4 + k]);
            c40 = w0.fma(b, c40); c41 = w1.fma(b, c41); c42 = w2.fma(b, c42); c43 = w3.fma(b, c43);
            b = FloatVector.broadcast(F, x[x5 + k]);
            c50 = w0.fma(b, c50); c51 = w1.fma(b, c51); c52 = w2.fma(b, c52); c53 = w3.fma(b, c53);
        }
        c00.intoArray(y, o); c01.intoArray(y, o + L); c02.intoArray(y, o + 2 * L); c03.intoArray(y, o + 3 * L);
        o += oStride;
        c10.intoArray(y, o); c11.intoArray(y, o + L); c12.intoArray(y, o + 2 * L); c13.intoArray(y, o + 3 * L);
        o += oStride;
        c20.intoArray(y, o); c21.intoArray(y, o + L); c22.intoArray(y, o + 2 * L); c23.intoArray(y, o + 3 * L);
        o += oStride;
        c30.intoArray(y, o); c31.intoArray(y, o + L); c32.intoArray(y, o + 2 * L); c33.intoArray(y, o + 3 * L);
        o += oStride;
        c40.intoArray(y, o); c41.intoArray(y, o + L); c42.intoArray(y, o + 2 * L); c43.intoArray(y, o + 3 * L);
        o += oStride;
        c50.intoArray(y, o); c51.intoArray(y, o + L); c52.intoArray(y, o + 2 * L); c53.intoArray(y, o + 3 * L);
    }

    /**
     * 8 lanes: six tokens × four vectors is 24 accumulators, more than AVX2's 16 vector registers; they spilled, and
     * the two-pass kernel ran prefill 1.3× faster on a Zen 3 (docs/performance.md).
     */
    private static final boolean SPLIT = L == 8;

    /**
     * {@link #kernel6} in two passes over the panel's halves (six tokens × two vectors: 12 accumulators, two panel
     * vectors and a broadcast fit 16 registers); each output is still one chain over the columns in order, so the
     * results are those of the one-pass kernel to the bit.
     */
    static void kernel6Halves(float[] panel, int p0, int kl, float[] x, int x0, int xStride, float[] y, int o, int oStride,
                                      boolean accumulate) {
        int x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        for (int h = 0; h < PANEL; h += 2 * L) {
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
            int a = o + h;
            if (accumulate) {
                c00 = FloatVector.fromArray(F, y, a); c01 = FloatVector.fromArray(F, y, a + L);
                a += oStride;
                c10 = FloatVector.fromArray(F, y, a); c11 = FloatVector.fromArray(F, y, a + L);
                a += oStride;
                c20 = FloatVector.fromArray(F, y, a); c21 = FloatVector.fromArray(F, y, a + L);
                a += oStride;
                c30 = FloatVector.fromArray(F, y, a); c31 = FloatVector.fromArray(F, y, a + L);
                a += oStride;
                c40 = FloatVector.fromArray(F, y, a); c41 = FloatVector.fromArray(F, y, a + L);
                a += oStride;
                c50 = FloatVector.fromArray(F, y, a); c51 = FloatVector.fromArray(F, y, a + L);
            } else {
                c00 = FloatVector.zero(F);
                c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c00;
            }
            for (int k = 0; k < kl; k++) {
                int p = p0 + k * PANEL + h;
                FloatVector w0 = FloatVector.fromArray(F, panel, p), w1 = FloatVector.fromArray(F, panel, p + L);
                FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
                c00 = w0.fma(b, c00); c01 = w1.fma(b, c01);
                b = FloatVector.broadcast(F, x[x1 + k]);
                c10 = w0.fma(b, c10); c11 = w1.fma(b, c11);
                b = FloatVector.broadcast(F, x[x2 + k]);
                c20 = w0.fma(b, c20); c21 = w1.fma(b, c21);
                b = FloatVector.broadcast(F, x[x3 + k]);
                c30 = w0.fma(b, c30); c31 = w1.fma(b, c31);
                b = FloatVector.broadcast(F, x[x4 + k]);
                c40 = w0.fma(b, c40); c41 = w1.fma(b, c41);
                b = FloatVector.broadcast(F, x[x5 + k]);
                c50 = w0.fma(b, c50); c51 = w1.fma(b, c51);
            }
            a = o + h;
            c00.intoArray(y, a); c01.intoArray(y, a + L);
            a += oStride;
            c10.intoArray(y, a); c11.intoArray(y, a + L);
            a += oStride;
            c20.intoArray(y, a); c21.intoArray(y, a + L);
            a += oStride;
            c30.intoArray(y, a); c31.intoArray(y, a + L);
            a += oStride;
            c40.intoArray(y, a); c41.intoArray(y, a + L);
            a += oStride;
            c50.intoArray(y, a); c51.intoArray(y, a + L);
        }
    }

    /**
     * One token (x at x0, kl columns) against the panel; PANEL results at y[o], added to what is there when
     * {@code accumulate}. One chain per output, in column order like {@link #kernel6}, so that a token's results do
     * not depend on which kernel (which place in the chunk) took it.
     */
    private static void kernel1(float[] panel, int p0, int kl, float[] x, int x0, float[] y, int o, boolean accumulate) {
        FloatVector c0, c1, c2, c3;
        if (accumulate) {
            c0 = FloatVector.fromArray(F, y, o);
            c1 = FloatVector.fromArray(F, y, o + L);
            c2 = FloatVector.fromArray(F, y, o + 2 * L);
            c3 = FloatVector.fromArray(F, y, o + 3 * L);
        } else {
            c0 = c1 = c2 = c3 = FloatVector.zero(F);
        }
        for (int k = 0; k < kl; k++) {
            int p = p0 + k * PANEL;
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c0 = FloatVector.fromArray(F, panel, p).fma(b, c0);
            c1 = FloatVector.fromArray(F, panel, p + L).fma(b, c1);
            c2 = FloatVector.fromArray(F, panel, p + 2 * L).fma(b, c2);
            c3 = FloatVector.fromArray(F, panel, p + 3 * L).fma(b, c3);
        }
        c0.intoArray(y, o);
        c1.intoArray(y, o + L);
        c2.intoArray(y, o + 2 * L);
        c3.intoArray(y, o + 3 * L);
    }
}
