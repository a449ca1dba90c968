package io.github.compresskv.compress;

/**
 * StreamingLLM: position only. The first {@code sinks} tokens rank highest (earliest first), then the most recent
 * ones; with the window always kept a budget B keeps the sinks plus the last B − sinks tokens. With
 * {@code sinks} = {@link Integer#MAX_VALUE} every token is a "sink": the earliest B − w tokens plus the window
 * (the CompressKV repository's variant, "first B − 8 + last 8").
 */
public final class PositionScorer implements Scorer {
    private final int sinks;

    /** StreamingLLM's settings: sink tokens, or the repository's first B − w + last w variant ({@code --streaming-first-last}). */
    public record Settings(int sinks, boolean firstLast) implements PartSettings {
        public static final Settings DEFAULT = new Settings(4, false);

        public PositionScorer scorer() { return firstLast ? firstTokens() : new PositionScorer(sinks); }
    }

    public PositionScorer(int sinks) {
        if (sinks < 0) throw new CompressionException("sink tokens must be ≥ 0, got " + sinks);
        this.sinks = sinks;
    }

    /** Keeps the first B − w tokens and the window. */
    public static PositionScorer firstTokens() { return new PositionScorer(Integer.MAX_VALUE); }

    @Override
    public LayerScores score(LayerTaps t) {
        int n = t.candidates(), s = Math.min(sinks, n);
        float[] out = new float[n];
        for (int j = 0; j < n; j++) out[j] = j < s ? 2f * n - j : j;
        return LayerScores.shared(out);
    }
}
