package io.github.compresskv.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws tokens from logits as its {@link SamplerConfig} says. Keeps its random generator and scratch buffers,
 * so a sequence of draws is reproducible from the seed and allocates nothing after the first call.
 * Not thread-safe.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private long[] order = new long[0];      // sort keys: descending logit, then ascending id
    private float[] probs = new float[0];
    private double vocabularyMass;           // Σ p over the whole vocabulary (relative to the top token), for top-p

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public SamplerConfig config() { return config; }

    public int sample(float[] logits) { return sample(logits, 0, logits.length); }

    /** The next token from {@code logits[off .. off + vocab)}. */
    public int sample(float[] logits, int off, int vocab) {
        if (config.isGreedy()) return argmax(logits, off, vocab);
        if (probs.length < vocab) {
            probs = new float[vocab];
            order = new long[vocab];
        }
        boolean ranked = (config.topK() > 0 && config.topK() < vocab) || config.topP() < 1;
        return ranked ? sampleRanked(logits, off, vocab) : sampleUnranked(logits, off, vocab);
    }

    /** Greedy choice over a whole logits array: the largest logit, the lowest id among equals. */
    public static int argmax(float[] logits) {
        return argmax(logits, 0, logits.length);
    }

    /** Greedy choice: the largest logit, the lowest id among equals. */
    public static int argmax(float[] logits, int off, int vocab) {
        int best = 0;
        float max = logits[off];
        for (int i = 1; i < vocab; i++) {
            if (logits[off + i] > max) {
                max = logits[off + i];
                best = i;
            }
        }
        return best;
    }

    /** No top-k / top-p: temperature, min-p, draw, in id order. */
    private int sampleUnranked(float[] logits, int off, int vocab) {
        float max = logits[off + argmax(logits, off, vocab)];
        double invT = 1.0 / config.temperature();
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            float p = (float) Math.exp((logits[off + i] - max) * invT);   // relative to the top token (p = 1)
            if (p < config.minP()) p = 0;
            probs[i] = p;
            sum += p;
        }
        double u = random.nextDouble() * sum;
        double cum = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (probs[i] == 0) continue;
            cum += probs[i];
            last = i;
            if (u < cum) return i;
        }
        return last;
    }

    /** Top-k and/or top-p: rank candidates by logit, cut, then min-p, then draw in rank order. */
    private int sampleRanked(float[] logits, int off, int vocab) {
        int n = rankCandidates(logits, off, vocab);
        float max = logits[off + id(order[0])];
        double invT = 1.0 / config.temperature();
        double sum = 0;
        for (int r = 0; r < n; r++) {
            probs[r] = (float) Math.exp((logits[off + id(order[r])] - max) * invT);
            sum += probs[r];
        }
        if (config.topP() < 1) {
            // the nucleus is measured against the whole distribution after top-k
            double total = config.topK() > 0 ? sum : vocabularyMass;
            double cum = 0;
            int keep = n;
            for (int r = 0; r < n; r++) {
                cum += probs[r];
                if (cum >= config.topP() * total) {
                    keep = r + 1;
                    break;
                }
            }
            n = keep;
        }
        double kept = 0;
        int count = 0;
        for (int r = 0; r < n; r++) {
            if (probs[r] < config.minP()) break;      // probs are relative to the top token (= 1) and descending
            kept += probs[r];
            count++;
        }
        double u = random.nextDouble() * kept;
        double cum = 0;
        for (int r = 0; r < count; r++) {
            cum += probs[r];
            if (u < cum) return id(order[r]);
        }
        return id(order[count - 1]);
    }

    /**
     * Fills {@code order[0 .. n)} with the sort keys of the candidates, best first, and returns n: the top k
     * when top-k is on (heap selection, O(V log k)); for top-p alone, the tokens within a factor 1e-4 of the
     * top token when they already hold the nucleus (exact, and usually a few hundred), else the whole vocabulary.
     */
    private int rankCandidates(float[] logits, int off, int vocab) {
        int k = config.topK();
        if (k > 0 && k < vocab) {
            for (int i = 0; i < k; i++) order[i] = key(logits[off + i], i);
            heapify(k);
            for (int i = k; i < vocab; i++) {
                long key = key(logits[off + i], i);
                if (key < order[0]) {
                    order[0] = key;
                    siftDown(0, k);
                }
            }
            Arrays.sort(order, 0, k);
            return k;
        }
        float max = logits[off + argmax(logits, off, vocab)];
        double invT = 1.0 / config.temperature();
        double floor = Math.log(1e-4) / invT;           // logit offset below which p < 1e-4 · p_top
        double total = 0, near = 0;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            double p = (float) Math.exp((logits[off + i] - max) * invT);
            total += p;
            if (logits[off + i] - max >= floor) {
                order[n++] = key(logits[off + i], i);
                near += p;
            }
        }
        if (near < config.topP() * total) {
            n = vocab;
            for (int i = 0; i < vocab; i++) order[i] = key(logits[off + i], i);
        }
        Arrays.sort(order, 0, n);
        vocabularyMass = total;
        return n;
    }

    /** Max-heap on the sort key over order[0 .. n): the root is the worst kept candidate. */
    private void heapify(int n) {
        for (int i = n / 2 - 1; i >= 0; i--) siftDown(i, n);
    }

    private void siftDown(int i, int n) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, largest = i;
            if (l < n && order[l] > order[largest]) largest = l;
            if (r < n && order[r] > order[largest]) largest = r;
            if (largest == i) return;
            long t = order[i];
            order[i] = order[largest];
            order[largest] = t;
            i = largest;
        }
    }

    /** Sort key ascending = logit descending, then id ascending. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);   // monotone in the float value
        return ((long) ~sortable << 32) | (id & 0xffffffffL);
    }

    private static int id(long key) { return (int) key; }
}
