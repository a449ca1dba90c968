package io.github.compresskv.compress;

/**
 * SnapKV: for every query head, the window attention summed over the w window queries for each candidate key,
 * pooled (average, κ = 5 by default), then averaged over the query heads of each contiguous GQA group
 * {gG, …, gG + G − 1} → one score row per KV head.
 */
public final class WindowAttentionScorer implements Scorer {
    private final Pooling pooling;
    private final int kernel;

    public WindowAttentionScorer(Pooling pooling, int kernel) {
        this.pooling = pooling;
        this.kernel = kernel;
    }

    public WindowAttentionScorer(AttentionPooling p) { this(p.pooling(), p.kernel()); }

    @Override
    public LayerScores score(LayerTaps t) {
        int g = t.groupSize();
        float[][] out = new float[t.kvHeads()][];
        for (int kv = 0; kv < t.kvHeads(); kv++) {
            float[][] pooled = new float[g][];
            for (int i = 0; i < g; i++) pooled[i] = pooling.apply(WindowAttention.candidateColumnSums(t, kv * g + i), kernel);
            out[kv] = WindowAttention.mean(pooled);
        }
        return LayerScores.perHead(out);
    }
}
