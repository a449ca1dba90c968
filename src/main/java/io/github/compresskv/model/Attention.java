package io.github.compresskv.model;

import io.github.compresskv.tensor.VectorMath;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.tensor.Parallel;

/**
 * Causal scaled-dot-product attention of a batch of query tokens over one layer's cache rows (which already
 * hold the batch's own keys and values). A query at position p sees the rows whose position is ≤ p; query
 * head h reads KV head h / (heads / kvHeads) (GQA). Scores and softmax in F32 (max-subtracted, exp summed
 * in double). One token (decode) is split over its query heads, each reading its rows directly; a prefill chunk of
 * several tokens runs blocked ({@link PrefillAttention}). One instance per {@link Transformer} (its loop bodies and
 * buffers are reused, so an instance serves one forward pass at a time).
 */
final class Attention {
    private final int heads;
    private final int headDim;
    private final int groupSize;
    private final float scale;
    /** Per worker thread score buffer, grown to the longest row count seen (no allocation in steady state). */
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[256]);
    private final PrefillAttention blocked;

    Attention(ModelConfig c) {
        this.heads = c.heads();
        this.headDim = c.headDim();
        this.groupSize = c.groupSize();
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.blocked = new PrefillAttention(c);
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
        body.set(cache, layer, q, positions, out);
        try {
            pool.forRange(n * heads, 1, body);
        } finally {
            body.set(null, 0, null, null, null);
        }
    }

    /** The loop body of {@link #apply}, reused (decode must not allocate a lambda per layer). */
    private final PairsBody body = new PairsBody();

    /** Attention of the (token, head) pairs of a chunk of indices t·heads + h. */
    private final class PairsBody implements Parallel.RangeBody {
        private KvCache cache;
        private int layer;
        private float[] q, out;
        private int[] positions;

        void set(KvCache cache, int layer, float[] q, int[] positions, float[] out) {
            this.cache = cache;
            this.layer = layer;
            this.q = q;
            this.positions = positions;
            this.out = out;
        }

        @Override
        public void run(int start, int end) {
            int qDim = heads * headDim;
            for (int i = start; i < end; i++) {
                int t = i / heads, h = i % heads;
                HeadRows rows = cache.head(layer, h / groupSize);
                attendOne(rows, q, t * qDim + h * headDim, positions[t], out, t * qDim + h * headDim);
            }
        }
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
        float[] s = scratch.get();
        if (s.length < visible) {
            s = new float[Math.max(visible, s.length * 2)];
            scratch.set(s);
        }
        rows.keyScores(q, qOff, scale, visible, s, 0);
        VectorMath.softmax(s, 0, visible);
        return s;
    }

    /** Writes one head's attention output. */
    private void attendOne(HeadRows rows, float[] q, int qOff, int position, float[] out, int outOff) {
        float[] s = probabilities(rows, q, qOff, position);
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        rows.accumulateValues(s, 0, rows.visibleRows(position), out, outOff);
    }
}
