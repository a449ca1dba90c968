package io.github.compresskv.cli;

import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.tokenizer.Tokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import io.github.compresskv.compress.DecodeTimeCompressor;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.CompressionSpec;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.compress.PositionScorer;
import io.github.compresskv.model.ModelConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** KV-cache compression flags: which method, how much to keep, and its knobs. */
final class CompressionFlags {

    @Option(names = "--method", paramLabel = "NAME", defaultValue = CompressionMethods.NONE, completionCandidates = MethodNames.class,
            description = "KV-cache compression: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); a method that scores by"
                    + " reconstructing the context needs --question-agnostic.")
    String method;

    @Option(names = "--budget", paramLabel = "B",
            description = "Prompt tokens kept per KV head per layer, including the observation window.")
    Integer budget;

    @Option(names = "--ratio", paramLabel = "R", description = "Fraction of the prompt's KV rows to remove (0.9 = keep 10%%); instead of --budget.")
    Double ratio;

    @Option(names = "--window", paramLabel = "W", defaultValue = "8", description = "Observation window, always kept (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pool", paramLabel = "K", defaultValue = "5", description = "Average-pooling kernel of attention scores (default: ${DEFAULT-VALUE}).")
    int pool;

    @Option(names = "--unit", paramLabel = "UNIT", defaultValue = "token",
            description = "What the selection keeps: token (default), chunk (fixed --chunk-size windows) or sentence (sentences and lines,"
                    + " split past --sentence-cap tokens); a unit's score aggregates its tokens' scores (--unit-score).")
    String unit;

    @picocli.CommandLine.Mixin
    UnitShapeFlags unitShape;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--head-profile", paramLabel = "FILE", description = "Semantic-retrieval-head profile (compresskv; default: beside the model).")
    Path headProfile;

    @Option(names = "--layer-profile", paramLabel = "FILE", description = "Layer eviction-error profile (compresskv; default: beside the model).")
    Path layerProfile;

    @Option(names = "--streaming", description = "Compress each layer as soon as its prefill is done (lower peak memory).")
    boolean streaming;

    @Option(names = "--prompt-states-in-file",
            description = "With --streaming: hold the prompt's hidden states between layers in a temporary file (in java.io.tmpdir;"
                    + " the OS page cache) instead of the Java heap (less resident memory for long prompts, same results).")
    boolean promptStatesInFile;

    @Option(names = "--decode-budget", paramLabel = "T",
            description = "Also keep the cache bounded while generating: every --decode-interval steps, re-score with --method"
                    + " (recent decode tokens as the window) and evict down to T rows per KV head per layer.")
    Integer decodeBudget;

    @Option(names = "--decode-interval", paramLabel = "N", defaultValue = "32",
            description = "Decode steps between decode-time re-scorings (default: ${DEFAULT-VALUE}).")
    int decodeInterval;

    @Option(names = "--streaming-first-last", description = "streamingllm: keep the first B-w and last w tokens (the paper repository's variant).")
    boolean firstLast;

    /** Whether the prompt's cache is compressed after the prefill (a method and a budget or ratio). */
    boolean compresses() {
        boolean full = CompressionMethods.isNone(method);
        if (budget != null && ratio != null) throw new IllegalArgumentException("give either --budget or --ratio, not both");
        if (full && (budget != null || ratio != null)) throw new IllegalArgumentException("--budget/--ratio need a --method other than full");
        if (!full && budget == null && ratio == null && decodeBudget == null) {
            throw new IllegalArgumentException("--method " + method + " needs --budget B or --ratio R (or --decode-budget T)");
        }
        return !full && (budget != null || ratio != null);
    }

    /** The compression these flags ask for (profiles default to the files beside the model). */
    CompressionSpec spec(Path modelPath) {
        Budget b = !compresses() ? null : budget != null ? Budget.tokens(budget) : Budget.ratio(ratio);
        return CompressionSpec.of(method, b, options(modelPath));
    }

    /**
     * The selection unit of the flags, checked against the method and budget before anything runs: a bad value is a
     * usage error (exit code 2) naming the flag.
     */
    SelectionUnit selectionUnit() {
        try {
            SelectionUnit u = unitShape.unit(unit);
            if (!u.isToken()) KvCompressor.requireUnitApplies(CompressionMethods.byName(method), u);
            if (budget != null) u.requireFits(budget, "--budget");
            if (decodeBudget != null) u.requireFits(decodeBudget, "--decode-budget");
            int sinks = unitShape.sinks().count();
            if (sinks > 0) KvCompressor.requireSinksApply(CompressionMethods.byName(method), sinks);
            return u;
        } catch (CompressionException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The decode-time compressor, or null when --decode-budget is not given. */
    DecodeTimeCompressor decodeCompressor(ModelConfig config, Path modelPath, Tokenizer tokenizer) {
        return decodeBudget == null ? null : spec(modelPath).decodeCompressor(decodeBudget, decodeInterval, config, tokenizer);
    }

    private CompressionOptions options(Path modelPath) {
        return CompressionOptions.defaults().withWindow(window).withPool(pool, Pooling.AVG).withStreaming(streaming)
                .withPromptStatesInFile(promptStatesInFile).with(new PositionScorer.Settings(PositionScorer.Settings.DEFAULT.sinks(), firstLast))
                .withProfiles(headProfile, layerProfile).withProfilesBeside(modelPath).withUnit(selectionUnit())
                .with(unitShape.sinks());
    }
}
