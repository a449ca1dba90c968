package io.github.compresskv.compress;

import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.tokenizer.Tokenizer;

/**
 * One compression as asked for: a method (preset) by name, a budget (null for {@code full}, or when only decode-time
 * compression is wanted) and its options. The one
 * place that builds {@link KvCompressor}s for a prompt; commands, the evaluation and the Java API all ask it.
 */
public record CompressionSpec(CompressionMethod method, Budget budget, CompressionOptions options) {

    public CompressionSpec {
        if (method == null) throw new IllegalArgumentException("no compression method");
        if (options == null) options = CompressionOptions.defaults();
        boolean none = isFull(method);
        if (none && budget != null) throw new CompressionException("a budget or ratio needs a method other than full");
        requireUnitApplies(method, options.unit());
        KvCompressor.requireSinksApply(method, options.sinkTokens());
        if (budget != null) {
            budget.requireAtLeastWindow(options.window());
            if (!budget.isRatio()) options.unit().requireFits(budget.perLayer(0, 0), "--budget");
        }
        if (method.reconstructs() && options.streaming()) {
            throw new CompressionException("--streaming does not apply to " + method.name() + ": its scores need the whole context first");
        }
    }

    /** The method named {@code method} (case-insensitive; unknown names list the valid ones). */
    public static CompressionSpec of(String method, Budget budget, CompressionOptions options) {
        return new CompressionSpec(CompressionMethods.byName(method), budget, options);
    }

    /** No compression: the full cache. */
    public static CompressionSpec none() { return of("full", null, CompressionOptions.defaults()); }

    /** Whether a prompt's cache is compressed: a method other than full, with a budget (none: decode-time only). */
    public boolean compresses() { return !isFull(method) && budget != null; }

    /** Whether the method scores by a reconstruction pass after the whole context is prefilled (KVzip). */
    public boolean reconstructs() { return method.reconstructs(); }

    /** The name reports use: the method, with the unit when it is not tokens and the sinks when there are any. */
    public String label() { return label(method, options); }

    /** The name reports use for {@code method} with {@code options}, e.g. {@code compresskv (sentence units, 4 sink tokens)}. */
    static String label(CompressionMethod method, CompressionOptions options) {
        java.util.List<String> extras = new java.util.ArrayList<>();
        if (!options.unit().isToken()) extras.add(options.unit().label() + " units");
        if (options.sinkTokens() > 0) extras.add(options.sinkTokens() + " sink tokens");
        return extras.isEmpty() ? method.name() : method.name() + " (" + String.join(", ", extras) + ")";
    }

    /**
     * Builds the method's policy once, so that a missing or bad profile fails before any prefill. Returns this.
     */
    public CompressionSpec check() {
        if (compresses()) method.policy(options, budget);
        return this;
    }

    /**
     * The compressor for one prefill of {@code tokens} (its sentence ends are read when the unit needs them;
     * {@code tokenizer} may be null for other units). Reconstructing methods need their pass first: {@link #compressor(ReconstructionScorer, ModelConfig, Tokenizer, int[])}.
     */
    public KvCompressor compressor(ModelConfig config, Tokenizer tokenizer, int[] tokens) {
        if (!compresses()) throw new IllegalStateException("the full cache needs no compressor");
        if (reconstructs()) throw new IllegalStateException(method.name() + " scores by reconstructing the context after its prefill");
        return withSentences(KvCompressor.create(method, budget, config, options), tokenizer, tokens);
    }

    /** The compressor of a reconstructing method with the scores of its pass over {@code tokens}. */
    public KvCompressor compressor(ReconstructionScorer scores, ModelConfig config, Tokenizer tokenizer, int[] tokens) {
        return withSentences(scores.compressor(method, budget, config, options), tokenizer, tokens);
    }

    private KvCompressor withSentences(KvCompressor k, Tokenizer tokenizer, int[] tokens) {
        return tokenizer == null || tokens == null ? k : k.prompt(tokenizer, tokens);
    }

    /** The decode-time compressor of this method keeping {@code budget} rows, re-scoring every {@code interval} steps. */
    public DecodeTimeCompressor decodeCompressor(int decodeBudget, int interval, ModelConfig config, Tokenizer tokenizer) {
        if (isFull(method)) throw new CompressionException("--decode-budget needs a --method that evicts (e.g. snapkv)");
        if (reconstructs()) throw new CompressionException("--decode-budget does not apply to " + method.name() + ": it scores a context, not decode steps");
        options.unit().requireFits(decodeBudget, "--decode-budget");
        return new DecodeTimeCompressor(method, decodeBudget, interval, config, options, tokenizer);
    }

    private static boolean isFull(CompressionMethod m) { return m.name().equals("full"); }

    private static void requireUnitApplies(CompressionMethod method, SelectionUnit unit) { KvCompressor.requireUnitApplies(method, unit); }
}
