package io.github.compresskv.model;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.tensor.MatmulKernels;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.VectorMath;

import java.util.Arrays;

/**
 * Causal attention of a prefill chunk, blocked for cache reuse: exact attention, computed like a pair of matrix
 * products. For each KV head, the visible cache rows are taken in blocks of {@link #KEY_BLOCK}: the block's keys are
 * packed into panels once (shared by every query of the chunk), and each block of queries (all query heads of the
 * group × a few tokens) gets its scores (queries × keys) and its value sums (probabilities × values) from the prefill
 * matmul's micro-kernels ({@link MatmulKernels}), with a running softmax across key blocks (running maximum, sum in
 * double, outputs rescaled when the maximum grows). The per-(token, head) form it replaces read every key and value
 * row once per query head and reduced each dot product across lanes; this one reads them once per query block and
 * runs at matmul speed.
 *
 * <p>Memory is bounded by the chunk and the key block, not by the context: one block of packed keys and values and,
 * per thread, the scores of one query block against one key block.
 */
final class PrefillAttention {
    /** Cache rows per key block (a multiple of {@link MatmulKernels#PANEL}). */
    static final int KEY_BLOCK = 8 * MatmulKernels.PANEL;

    private final int kvHeads, group, headDim, qDim;
    private final float scale;
    /** Tokens per query block: about 24 queries (a multiple of the micro-kernel's 6 when the group allows). */
    private final int tokensPerBlock;
    /** Value panels per row: headDim split into panels of PANEL columns. */
    private final int valuePanels;

    // per call, shared read-only by the workers (grown, never shrunk)
    private float[] groupQueries = new float[0];
    private float[] keyRows = new float[0], keyPanels = new float[0], valueRows = new float[0], valuePanelData = new float[0];
    private float[] runningMax = new float[0];
    private double[] runningSum = new double[0];
    private int[] visible = new int[0];

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final BlockBody body = new BlockBody();

    PrefillAttention(ModelConfig c) {
        this.kvHeads = c.kvHeads();
        this.group = c.groupSize();
        this.headDim = c.headDim();
        this.qDim = c.qDim();
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.tokensPerBlock = group >= 3 ? 6 : group == 2 ? 12 : 24;
        this.valuePanels = (headDim + MatmulKernels.PANEL - 1) / MatmulKernels.PANEL;
    }

    /**
     * out[t·qDim + h·headDim ..] = attention of query head h of token t (at positions[t], ascending) over the cache
     * rows of {@code layer} whose position is ≤ positions[t]. q and out are n × qDim, row-major.
     */
    void apply(KvCache cache, int layer, float[] q, int[] positions, int n, float[] out, Parallel pool) {
        int queries = n * group, panel = MatmulKernels.PANEL;
        groupQueries = grow(groupQueries, queries * headDim);
        runningMax = grow(runningMax, queries);
        if (runningSum.length < queries) runningSum = new double[queries];
        if (visible.length < n) visible = new int[n];
        keyRows = grow(keyRows, KEY_BLOCK * headDim);
        keyPanels = grow(keyPanels, KEY_BLOCK * headDim);
        valueRows = grow(valueRows, KEY_BLOCK * headDim);
        valuePanelData = grow(valuePanelData, valuePanels * KEY_BLOCK * panel);
        int blocks = (n + tokensPerBlock - 1) / tokensPerBlock;
        for (int g = 0; g < kvHeads; g++) {
            HeadRows rows = cache.head(layer, g);
            for (int t = 0; t < n; t++) {
                visible[t] = rows.visibleRows(positions[t]);
                int from = t * qDim + g * group * headDim;
                System.arraycopy(q, from, groupQueries, t * group * headDim, group * headDim);
                Arrays.fill(out, from, from + group * headDim, 0f);
            }
            Arrays.fill(runningMax, 0, queries, Float.NEGATIVE_INFINITY);
            Arrays.fill(runningSum, 0, queries, 0.0);
            int last = visible[n - 1];
            for (int k0 = 0; k0 < last; k0 += KEY_BLOCK) {
                int nk = Math.min(KEY_BLOCK, last - k0);
                packBlock(rows, k0, nk);
                body.set(g, k0, nk, n, out);
                try {
                    pool.forEach(blocks, body);
                } finally {
                    body.set(0, 0, 0, 0, null);
                }
            }
            for (int i = 0; i < queries; i++) {
                int t = i / group, o = t * qDim + (g * group + i % group) * headDim;
                float inv = (float) (1.0 / runningSum[i]);
                for (int d = 0; d < headDim; d++) out[o + d] *= inv;
            }
        }
    }

    /** Keys of rows [k0, k0 + nk) into key panels (PANEL keys × headDim each), values into value panels. */
    private void packBlock(HeadRows rows, int k0, int nk) {
        int panel = MatmulKernels.PANEL;
        rows.readKeyPanels(k0, nk, keyPanels, keyRows);
        if (headDim == panel) {
            rows.readValues(k0, k0 + nk, valuePanelData, 0); // row-major values are already one panel
            return;
        }
        rows.readValues(k0, k0 + nk, valueRows, 0);
        for (int vp = 0; vp < valuePanels; vp++) {
            int width = Math.min(panel, headDim - vp * panel), base = vp * KEY_BLOCK * panel;
            for (int r = 0; r < nk; r++) {
                System.arraycopy(valueRows, r * headDim + vp * panel, valuePanelData, base + r * panel, width);
                if (width < panel) Arrays.fill(valuePanelData, base + r * panel + width, base + (r + 1) * panel, 0f);
            }
        }
    }

    /** One query block against the current key block; blocks are claimed one at a time by the pool. */
    private final class BlockBody implements Parallel.RangeBody {
        private int g, k0, nk, n;
        private float[] out;

        void set(int g, int k0, int nk, int n, float[] out) {
            this.g = g;
            this.k0 = k0;
            this.nk = nk;
            this.n = n;
            this.out = out;
        }

        @Override
        public void run(int start, int end) {
            for (int b = start; b < end; b++) block(b);
        }

        private void block(int b) {
            int t0 = b * tokensPerBlock, t1 = Math.min(n, t0 + tokensPerBlock);
            if (visible[t1 - 1] <= k0) return; // no query of the block sees this key block (causal)
            int panel = MatmulKernels.PANEL, nq = (t1 - t0) * group, q0 = t0 * group;
            Scratch s = scratch.get().ensure(nq * nk, nq * valuePanels * panel);
            float[] scores = s.scores;
            for (int p = 0; p * panel < nk; p++) {
                MatmulKernels.multiply(keyPanels, p * headDim * panel, Math.min(panel, nk - p * panel), headDim,
                        groupQueries, q0 * headDim, nq, scores, nk, p * panel, s.tile);
            }
            for (int i = 0; i < nq; i++) {
                int qi = q0 + i, t = qi / group, row = i * nk;
                int valid = Math.min(visible[t], k0 + nk) - k0;
                if (valid <= 0) {
                    Arrays.fill(scores, row, row + nk, 0f);
                    continue;
                }
                for (int r = row; r < row + valid; r++) scores[r] *= scale;
                float mOld = runningMax[qi];
                float mNew = Math.max(mOld, VectorMath.max(scores, row, valid));
                double sum = VectorMath.expShifted(scores, row, valid, mNew);
                Arrays.fill(scores, row + valid, row + nk, 0f);
                if (mOld != Float.NEGATIVE_INFINITY && mNew != mOld) {
                    // the running sums were taken against a smaller maximum: rescale them
                    float alpha = (float) Math.exp(mOld - mNew);
                    runningSum[qi] *= alpha;
                    int o = t * qDim + (g * group + qi % group) * headDim;
                    for (int d = 0; d < headDim; d++) out[o + d] *= alpha;
                }
                runningSum[qi] += sum;
                runningMax[qi] = mNew;
            }
            int stride = valuePanels * panel;
            for (int vp = 0; vp < valuePanels; vp++) {
                MatmulKernels.multiply(valuePanelData, vp * KEY_BLOCK * panel, Math.min(panel, headDim - vp * panel), nk,
                        scores, 0, nq, s.values, stride, vp * panel, s.tile);
            }
            for (int i = 0; i < nq; i++) {
                int qi = q0 + i, t = qi / group, o = t * qDim + (g * group + qi % group) * headDim;
                for (int d = 0; d < headDim; d++) out[o + d] += s.values[i * stride + d];
            }
        }
    }

    /** A worker's buffers: one query block's scores against one key block, its value sums, a partial panel's tile. */
    private static final class Scratch {
        float[] scores = new float[0], values = new float[0];
        final float[] tile = new float[MatmulKernels.TOKENS * MatmulKernels.PANEL];

        Scratch ensure(int scoreFloats, int valueFloats) {
            scores = grow(scores, scoreFloats);
            values = grow(values, valueFloats);
            return this;
        }
    }

    private static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }
}
