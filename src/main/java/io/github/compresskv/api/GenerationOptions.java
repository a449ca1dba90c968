package io.github.compresskv.api;

import io.github.compresskv.generate.SamplerConfig;

import java.util.List;

/**
 * How a continuation is generated: greedy or sampled (temperature, top-k, top-p, min-p, seed; applied in Hugging
 * Face's order), how many tokens at most, which strings stop it, and an optional {@link Cancellation}. Immutable;
 * every {@code with}-style method returns a copy.
 *
 * <pre>{@code
 * GenerationOptions.greedy().maxTokens(64).stop("\n")
 * GenerationOptions.sampling(0.7, 42).topP(0.9)
 * }</pre>
 * Generation also stops on the model's own end-of-generation tokens.
 */
public final class GenerationOptions {
    private final int maxTokens;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;
    private final long seed;
    private final List<String> stop;
    private final Cancellation cancellation;

    private GenerationOptions(int maxTokens, double temperature, int topK, double topP, double minP, long seed, List<String> stop,
                              Cancellation cancellation) {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        for (String s : stop) if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
        this.maxTokens = maxTokens;
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.minP = minP;
        this.seed = seed;
        this.stop = List.copyOf(stop);
        this.cancellation = cancellation;
        samplerConfig(); // checks the sampling values now
    }

    /** The most likely token every step; 256 tokens at most. */
    public static GenerationOptions greedy() { return new GenerationOptions(256, 0, 0, 1, 0, 0, List.of(), null); }

    /** Sampling at {@code temperature} (> 0) with a seeded generator (same seed, same tokens); 256 tokens at most. */
    public static GenerationOptions sampling(double temperature, long seed) {
        if (!(temperature > 0)) throw new IllegalArgumentException("sampling needs a temperature > 0 (greedy() for 0), got " + temperature);
        return new GenerationOptions(256, temperature, 0, 1, 0, seed, List.of(), null);
    }

    public GenerationOptions maxTokens(int n) { return new GenerationOptions(n, temperature, topK, topP, minP, seed, stop, cancellation); }

    /** 0 makes it greedy. */
    public GenerationOptions temperature(double t) { return new GenerationOptions(maxTokens, t, topK, topP, minP, seed, stop, cancellation); }

    /** Keep the k most likely tokens (0: off). */
    public GenerationOptions topK(int k) { return new GenerationOptions(maxTokens, temperature, k, topP, minP, seed, stop, cancellation); }

    /** Keep the smallest most likely set reaching probability p (1: off). */
    public GenerationOptions topP(double p) { return new GenerationOptions(maxTokens, temperature, topK, p, minP, seed, stop, cancellation); }

    /** Keep tokens at least p times as likely as the top one (0: off). */
    public GenerationOptions minP(double p) { return new GenerationOptions(maxTokens, temperature, topK, topP, p, seed, stop, cancellation); }

    public GenerationOptions seed(long s) { return new GenerationOptions(maxTokens, temperature, topK, topP, minP, s, stop, cancellation); }

    /** Strings that end the generation; they and what follows are cut from the text. Replaces earlier ones. */
    public GenerationOptions stop(String... strings) { return stop(List.of(strings)); }

    /** Strings that end the generation; they and what follows are cut from the text. Replaces earlier ones. */
    public GenerationOptions stop(List<String> strings) { return new GenerationOptions(maxTokens, temperature, topK, topP, minP, seed, strings, cancellation); }

    /** A flag another thread may set to stop the generation (null: none). */
    public GenerationOptions cancellation(Cancellation c) { return new GenerationOptions(maxTokens, temperature, topK, topP, minP, seed, stop, c); }

    public int maxTokens() { return maxTokens; }

    public double temperature() { return temperature; }

    public int topK() { return topK; }

    public double topP() { return topP; }

    public double minP() { return minP; }

    public long seed() { return seed; }

    public List<String> stopStrings() { return stop; }

    /** The cancellation flag, or null. */
    public Cancellation cancellation() { return cancellation; }

    public boolean isGreedy() { return samplerConfig().isGreedy(); }

    SamplerConfig samplerConfig() { return new SamplerConfig(temperature, topK, topP, minP, seed); }

    @Override
    public String toString() {
        return "GenerationOptions[maxTokens=" + maxTokens + (isGreedy() ? ", greedy" : ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", minP=" + minP + ", seed=" + seed) + (stop.isEmpty() ? "" : ", stop=" + stop) + "]";
    }
}
