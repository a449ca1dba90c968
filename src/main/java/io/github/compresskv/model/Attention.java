package io.github.compresskv.model;

import io.github.compresskv.tensor.VectorMath;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.ThreadFloats;

/**
 * Causal scaled-dot-product attention of a batch of query tokens over one layer's cache rows (which already
 * hold the batch's own keys and values). A query at position p sees the rows whose position is ≤ p; query
 * head h reads KV head h / (heads / kvHeads) (GQA). Scores and softmax in F32 (max-subtracted, exp summed
 * in double). One token (decode) is split over its KV heads, the query heads of each group reading every row once;
 * a prefill chunk of several tokens runs blocked ({@link PrefillAttention}). One instance per {@link Transformer}
 * (its loop bodies and buffers are reused, so an instance serves one forward pass at a time).
 */
final class Attention {
    private final int heads;
    private final int headDim;
    private final int groupSize;
    private final float scale;
    /**
     * Per thread score buffer, grown to the most scores seen (no allocation in steady state). Shared by every instance
     * (a thread runs one attention at a time), so that a new transformer for each sequence does not grow its own.
     */
    private static final ThreadFloats SCORES = new ThreadFloats(256);
    /** Per thread rows of keys or values converted to floats for the grouped decode kernels, shared likewise. */
    private static final ThreadFloats TILES = new ThreadFloats(0);
    private final int kvHeads;
    private final PrefillAttention blocked;

    Attention(ModelConfig c) {
        this.heads = c.heads();
        this.headDim = c.headDim();
        this.groupSize = c.groupSize();
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.blocked = new PrefillAttention(c);
        this.kvHeads = c.kvHeads();
    }

    /**
     * out[t·qDim + h·headDim ..] = attention of query head h of token t (positions[t]) over the cache rows of
     * {@code layer}. q and out are n × (heads·headDim), row-major.
     */
    void apply(KvCache cache, int layer, float[] q, int[] positions, int n, float[] out, Parallel pool) {
        if (n > 1) {
            blocked.apply(cache, layer, q, positions, n, out, pool);
            return;
        }
        int parts = groupParts(pool.threads());
        group.set(cache, layer, q, positions[0], out, parts);
        try {
            pool.forEach(kvHeads * parts, group);
        } finally {
            group.set(null, 0, null, 0, null, 1);
        }
    }

    /**
     * Into how many parts decode splits each KV head's query heads: one part lets the whole group share each row's
     * read and conversion; more parts give every thread an equal share when the KV heads alone do not.
     */
    int groupParts(int threads) {
        if (threads <= 1 || kvHeads >= 4 * threads) return 1;
        for (int p = 1; p <= groupSize; p++) if ((kvHeads * p) % threads == 0) return p;
        return Math.min(groupSize, (threads + kvHeads - 1) / kvHeads);
    }

    /** The decode body, reused (decode must not allocate a lambda per layer). */
    private final GroupBody group = new GroupBody();

    /** One token's attention for one part of one KV head's query heads (index kv · parts + part). */
    private final class GroupBody implements Parallel.RangeBody {
        private KvCache cache;
        private int layer, position, parts;
        private float[] q, out;

        void set(KvCache cache, int layer, float[] q, int position, float[] out, int parts) {
            this.cache = cache;
            this.layer = layer;
            this.q = q;
            this.position = position;
            this.out = out;
            this.parts = parts;
        }

        @Override
        public void run(int start, int end) {
            for (int i = start; i < end; i++) {
                int kv = i / parts, part = i % parts;
                int h0 = kv * groupSize + part * groupSize / parts, h1 = kv * groupSize + (part + 1) * groupSize / parts;
                attendGroup(cache.head(layer, kv), q, h0, h1 - h0, position, out);
            }
        }
    }

    /** Writes the attention outputs of the query heads h0 .. h0 + queries − 1 (all of one KV head) for one token. */
    private void attendGroup(HeadRows rows, float[] q, int h0, int queries, int position, float[] out) {
        int visible = rows.visibleRows(position);
        float[] s = SCORES.atLeast(queries * visible), tile = TILES.atLeast(HeadRows.TILE_ROWS * headDim);
        rows.groupKeyScores(q, h0 * headDim, queries, scale, visible, s, visible, tile);
        for (int j = 0; j < queries; j++) VectorMath.softmax(s, j * visible, visible);
        java.util.Arrays.fill(out, h0 * headDim, (h0 + queries) * headDim, 0f);
        rows.groupAccumulateValues(s, visible, queries, visible, out, h0 * headDim, tile);
    }

    /**
     * As {@link #apply}, and also adds every query's softmax probabilities to {@code cumulative[h·stride + row]}
     * (query head h, cache row index of its KV head). The outputs are bit-identical to {@link #apply} (they are
     * computed by it); the probabilities come from a second pass split by head, tokens in order, so each head's sums
     * are written by one thread in a fixed order.
     */
    void apply(KvCache cache, int layer, float[] q, int[] positions, int n, float[] out, Parallel pool,
               float[] cumulative, int stride) {
        apply(cache, layer, q, positions, n, out, pool);
        int qDim = heads * headDim;
        pool.forRange(heads, 1, (start, end) -> {
            for (int h = start; h < end; h++) {
                HeadRows rows = cache.head(layer, h / groupSize);
                int base = h * stride;
                for (int t = 0; t < n; t++) {
                    float[] p = probabilities(rows, q, t * qDim + h * headDim, positions[t]);
                    int visible = rows.visibleRows(positions[t]);
                    for (int r = 0; r < visible; r++) cumulative[base + r] += p[r];
                }
            }
        });
    }

    /** One query's softmax probabilities over the rows it sees, in this thread's scratch (valid until the next call). */
    private float[] probabilities(HeadRows rows, float[] q, int qOff, int position) {
        int visible = rows.visibleRows(position);
        float[] s = SCORES.atLeast(visible);
        rows.keyScores(q, qOff, scale, visible, s, 0);
        VectorMath.softmax(s, 0, visible);
        return s;
    }
}
