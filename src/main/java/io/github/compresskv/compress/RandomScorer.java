package io.github.compresskv.compress;

import java.util.SplittableRandom;

/** Random scores (a lower bound for every method), reproducible from a seed, independent per layer and KV head. */
public final class RandomScorer implements Scorer {
    private final long seed;

    /** The seed of the random scores. */
    public record Settings(long seed) implements PartSettings {
        public static final Settings DEFAULT = new Settings(42);
    }

    public RandomScorer(long seed) { this.seed = seed; }

    @Override
    public LayerScores score(LayerTaps t) {
        float[][] out = new float[t.kvHeads()][t.candidates()];
        for (int kv = 0; kv < t.kvHeads(); kv++) {
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + (long) t.layer() * 1_009L + kv);
            for (int j = 0; j < out[kv].length; j++) out[kv][j] = (float) r.nextDouble();
        }
        return LayerScores.perHead(out);
    }
}
