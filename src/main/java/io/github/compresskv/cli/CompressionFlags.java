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
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.model.ModelConfig;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** KV-cache compression flags: which method, how much to keep, and its knobs. */
final class CompressionFlags {

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "full",
            description = "KV-cache compression: full, streamingllm, h2o, tova, knorm, random, snapkv, pyramidkv, adakv, cake,"
                    + " compresskv, compresskv-srh, compresskv-alloc, kvzip (with --question-agnostic) (default: ${DEFAULT-VALUE}).")
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
        boolean full = method.equalsIgnoreCase("full");
        if (budget != null && ratio != null) throw new IllegalArgumentException("give either --budget or --ratio, not both");
        if (full && (budget != null || ratio != null)) throw new IllegalArgumentException("--budget/--ratio need a --method other than full");
        if (!full && budget == null && ratio == null && decodeBudget == null) {
            throw new IllegalArgumentException("--method " + method + " needs --budget B or --ratio R (or --decode-budget T)");
        }
        return !full && (budget != null || ratio != null);
    }

    /** The compressor for one prefill of {@code tokens} (validating the flags). */
    KvCompressor compressor(ModelConfig config, Path modelPath, Tokenizer tokenizer, int[] tokens) {
        Budget b = budget != null ? Budget.tokens(budget) : Budget.ratio(ratio);
        return KvCompressor.create(CompressionMethods.byName(method), b, config, options(modelPath)).prompt(tokenizer, tokens);
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
            return u;
        } catch (CompressionException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** A unit from its flags ({@code --unit}, {@code --chunk-size}, {@code --sentence-cap}, {@code --unit-score}). */
    static SelectionUnit parseUnit(String name, int chunkSize, int sentenceCap, String score) {
        return SelectionUnit.of(name, chunkSize, sentenceCap, score);
    }

    /** The compressor of a reconstructing method (kvzip) with the scores of its reconstruction pass. */
    KvCompressor compressor(ModelConfig config, Path modelPath, ReconstructionScorer scores, Tokenizer tokenizer, int[] tokens) {
        Budget b = budget != null ? Budget.tokens(budget) : Budget.ratio(ratio);
        return scores.compressor(CompressionMethods.byName(method), b, config, options(modelPath)).prompt(tokenizer, tokens);
    }

    /** The decode-time compressor, or null when --decode-budget is not given. */
    DecodeTimeCompressor decodeCompressor(ModelConfig config, Path modelPath, Tokenizer tokenizer) {
        if (decodeBudget == null) return null;
        if (method.equalsIgnoreCase("full")) throw new IllegalArgumentException("--decode-budget needs a --method that evicts (e.g. snapkv)");
        return new DecodeTimeCompressor(CompressionMethods.byName(method), decodeBudget, decodeInterval, config, options(modelPath), tokenizer);
    }

    private CompressionOptions options(Path modelPath) {
        return CompressionOptions.defaults().withWindow(window).withPool(pool, Pooling.AVG).withStreaming(streaming)
                .withPromptStatesInFile(promptStatesInFile).withStreamingFirstLast(firstLast)
                .withProfiles(orDefault(headProfile, modelPath, ".heads.json"), orDefault(layerProfile, modelPath, ".layers.json"))
                .withUnit(selectionUnit());
    }

    /** A profile given by flag, else the file named after the model beside it, if present (else null). */
    static Path orDefault(Path given, Path modelPath, String suffix) {
        if (given != null) return given;
        String name = modelPath.getFileName().toString().replaceFirst("\\.gguf$", "");
        Path beside = modelPath.resolveSibling(name + suffix);
        return Files.isRegularFile(beside) ? beside : null;
    }
}
