package io.github.compresskv.compress;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.VectorMath;

/**
 * The scoring step of one reconstruction chunk in one layer (KVzip's chunked scoring): the queries of the chunk's
 * repeat input attend, in this computation, to a reduced key set of their KV head — the first {@code sinkEnd} rows
 * of the context (attention sinks), the context rows [from, to) being repeated, and the repeat input's own rows,
 * causally — with an fp32 softmax over that set ({@link VectorMath#softmax}); each context row j ∈ [from, to) scores
 * the largest probability any query of any head of its GQA group gave it. Keys outside the set (the rest of the
 * context) are left out of the normaliser, as the authors' code does, so that a chunk's scores do not depend on
 * how long the context is; when the context is one chunk the set is every visible row.
 *
 * <p>Memory: the key set of every KV head (sinkEnd + span + m rows) and one probability row per thread; query heads
 * run in parallel.
 */
final class ReconstructionAttention {
    private ReconstructionAttention() {}

    /**
     * out[g][j] = max(out[g][j], max over query heads h of g's group and queries i of the repeat input of
     * p_h,i(j)) for j ∈ [from, to).
     *
     * @param queries    [heads][m][headDim] post-RoPE queries of the repeat input (its m tokens, in order)
     * @param repeatBase cache row of the repeat input's first token (its rows are [repeatBase, repeatBase + m))
     * @param out        [kvHeads][context rows] maxima, updated in place
     */
    static void maxInto(KvCache cache, int layer, int heads, float[] queries, int m, int sinkEnd, int from, int to,
                        int repeatBase, float[][] out, Parallel pool) {
        int kvHeads = cache.kvHeads(), d = cache.headDim(), group = heads / kvHeads, span = to - from;
        if (sinkEnd > from || from > to) throw new IllegalArgumentException("sinks [0, " + sinkEnd + ") and span [" + from + ", " + to + ")");
        int keysPerHead = sinkEnd + span + m;
        float[][] keys = new float[kvHeads][keysPerHead * d];
        for (int g = 0; g < kvHeads; g++) {
            HeadRows rows = cache.head(layer, g);
            rows.readKeys(0, sinkEnd, keys[g], 0);
            rows.readKeys(from, to, keys[g], sinkEnd * d);
            rows.readKeys(repeatBase, repeatBase + m, keys[g], (sinkEnd + span) * d);
        }
        float scale = (float) (1.0 / Math.sqrt(d));
        float[][] best = new float[heads][span];
        pool.forEach(heads, (start, end) -> {
            float[] p = new float[keysPerHead];
            for (int h = start; h < end; h++) {
                float[] k = keys[h / group], b = best[h];
                for (int i = 0; i < m; i++) {
                    int visible = sinkEnd + span + i + 1; // the repeat input sees itself causally
                    VectorMath.rowDots(k, d, visible, queries, (h * m + i) * d, d, scale, p, 0);
                    VectorMath.softmax(p, 0, visible);
                    for (int j = 0; j < span; j++) b[j] = Math.max(b[j], p[sinkEnd + j]);
                }
            }
        });
        for (int h = 0; h < heads; h++) {
            float[] o = out[h / group], b = best[h];
            for (int j = 0; j < span; j++) o[from + j] = Math.max(o[from + j], b[j]);
        }
    }
}
