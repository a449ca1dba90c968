package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.eval.EvalSettings;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.eval.SuiteSpec;
import io.github.compresskv.eval.niah.NeedleSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code compresskv eval SUITE}: a benchmark over methods × budgets into a resumable run folder. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate KV-cache compression methods on a benchmark: niah, ruler or longbench.",
                "Each item is prefilled once; every method x budget answers from a fork of that prefill.",
                "Writes config.json, predictions.jsonl, metrics.json, summary.md and plots into --out;",
                "the same command with the same --out resumes where it stopped."})
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Parameters(index = "0", paramLabel = "SUITE", description = "niah, ruler or longbench.")
    String suite;

    @Option(names = "--methods", paramLabel = "M,...", split = ",", defaultValue = CompressionMethods.EVAL_DEFAULTS,
            description = "Compression methods (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--budgets", paramLabel = "B,...", split = ",", defaultValue = "32,64,128,256",
            description = "Budgets: prompt tokens kept per KV head per layer, window included (default: ${DEFAULT-VALUE}).")
    List<Integer> budgets;

    @Option(names = "--units", paramLabel = "U,...", split = ",", defaultValue = "token",
            description = "Selection units to sweep: token, chunk (--chunk-size tokens), sentence (split past --sentence-cap);"
                    + " every method with content scores runs with each (default: ${DEFAULT-VALUE}).")
    List<String> units;

    @Mixin
    UnitShapeFlags unitShape;

    @Option(names = "--lengths", paramLabel = "N,...", split = ",",
            description = "niah, ruler: context lengths in tokens (default: 1024,2048,4096,8192 where the model's context allows).")
    int[] lengths;

    @Option(names = "--depths", paramLabel = "PCT,...", split = ",",
            description = "niah: needle depths in %% (default: the paper's 0,11,22,33,44,56,67,78,89,100).")
    int[] depths;

    @Option(names = "--samples", paramLabel = "N",
            description = "ruler: items per task and length (default 5); longbench: items per dataset (default: all).")
    Integer samples;

    @Option(names = "--tasks", paramLabel = "T,...", split = ",",
            description = "ruler: tasks out of niah_single, niah_multikey, niah_multivalue, niah_multiquery, vt, cwe, fwe (default: all);"
                    + " longbench: datasets (default: all present in --data).")
    List<String> tasks;

    @Option(names = "--data", paramLabel = "DIR", description = "longbench: folder of the official <dataset>.jsonl files.")
    Path data;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "ruler: generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--haystack", paramLabel = "DIR",
            description = "niah, ruler: a folder of .txt files to use as haystack (default: the shipped Walden text).")
    Path haystack;

    @Option(names = "--needles", paramLabel = "FILE",
            description = "niah: JSON array of {\"sentence\", \"question\", \"answer\"} (as profile heads reads); every cell is probed once per needle.")
    Path needlesFile;

    @Option(names = "--needles-per-cell", paramLabel = "K",
            description = "niah with --needles: needles per (length, depth) cell, taken round-robin from the file (default: all).")
    Integer needlesPerCell;

    @Option(names = "--needle", paramLabel = "TEXT", description = "niah: the needle sentence (default: the paper's San Francisco needle).")
    String needle;

    @Option(names = "--question", paramLabel = "TEXT", description = "niah: the question about --needle.")
    String question;

    @Option(names = "--answer", paramLabel = "TEXT", description = "niah: the expected answer, a part of --needle.")
    String answer;

    @Option(names = "--layout", paramLabel = "TEMPLATE",
            description = "niah, ruler (model style): prompt layout with {context} and {question}; \\n for newlines (default: the paper's).")
    String layout;

    @Option(names = "--prompt-style", paramLabel = "STYLE", defaultValue = "model",
            description = "ruler: model (the embedded model's training layout and phrasings) or ruler (RULER's templates) (default: ${DEFAULT-VALUE}).")
    String promptStyle;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "" + NeedleSuite.PAPER_MAX_NEW_TOKENS,
            description = "niah: greedy tokens per answer (default: ${DEFAULT-VALUE}, the paper's).")
    int maxNewTokens;

    @Option(names = "--full-answers",
            description = "niah: decode all --max-new-tokens tokens, past the end of the answer line (the paper's scripts);"
                    + " by default an answer ends at its first newline.")
    boolean fullAnswers;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Run folder (default: runs/<suite>-<UTC time>).")
    Path out;

    @Option(names = "--window", paramLabel = "W", defaultValue = "8", description = "Observation window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pool", paramLabel = "K", defaultValue = "5", description = "Pooling kernel of attention scores (default: ${DEFAULT-VALUE}).")
    int pool;

    @Option(names = "--head-profile", paramLabel = "FILE", description = "compresskv: head profile (default: beside the model).")
    Path headProfile;

    @Option(names = "--layer-profile", paramLabel = "FILE", description = "compresskv: layer profile (default: beside the model).")
    Path layerProfile;

    @Option(names = "--question-agnostic",
            description = "niah: prefill each item's context alone and compress it before the question is known, then append the"
                    + " question to each compressed fork (window scorers see the context's end; a reconstructing method scores the whole context).")
    boolean questionAgnostic;

    @Override
    public Integer call() {
        for (String m : methods) {
            if (!questionAgnostic && CompressionMethods.byName(m.strip()).reconstructs()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--methods " + m.strip()
                        + " needs --question-agnostic: it compresses a context before its question is known");
            }
        }
        if (questionAgnostic && !suite.equalsIgnoreCase("niah")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--question-agnostic applies to niah only (its prompts split into context and question)");
        }
        Path modelPath = modelOptions.modelPath();
        List<SelectionUnit> selectionUnits = selectionUnits(); // usage errors before the model is loaded
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            SuiteSpec spec = suiteSpec();
            EvalSuite s = spec.build(lm.model().config().contextLength());
            EvalSettings settings = settings(modelPath, methods, budgets, selectionUnits, window, pool, unitShape.sinks().count(), headProfile, layerProfile, modelOptions);
            Path dir = out != null ? out : EvalRun.defaultOut(s.name());
            EvalRun.run(lm, modelPath, s, spec.inputs(s), settings, questionAgnostic, dir, "compresskv " + String.join(" ", rawArgs()), System.out, System.err);
        }
        return 0;
    }

    private SuiteSpec suiteSpec() {
        return new SuiteSpec(suite, lengths, depths, samples, tasks, data, seed, haystack, needlesFile, needlesPerCell, needle, question, answer,
                layout, promptStyle, maxNewTokens, fullAnswers);
    }

    static int[] defaultLengths(int context, int answerTokens) { return SuiteSpec.defaultLengths(context, answerTokens); }

    static EvalSettings settings(Path modelPath, List<String> methods, List<Integer> budgets, List<SelectionUnit> units, int window, int pool,
                                 int sinkTokens, Path heads, Path layers, ModelOptions modelOptions) {
        for (Path p : new Path[] {heads, layers}) {
            if (p != null && !Files.isRegularFile(p)) throw new IllegalArgumentException("profile " + p + " is not a file");
        }
        CompressionOptions o = CompressionOptions.defaults().withWindow(window).withPool(pool, Pooling.AVG).withProfiles(heads, layers)
                .withProfilesBeside(modelPath).withSinkTokens(sinkTokens);
        return new EvalSettings(methods, budgets, units, o, modelOptions.kvType);
    }

    /** The units of --units (with --chunk-size, --sentence-cap, --unit-score); a bad value is a usage error naming the flag. */
    private List<SelectionUnit> selectionUnits() {
        try {
            List<SelectionUnit> out = new ArrayList<>();
            for (String u : units) out.add(unitShape.unit(u));
            EvalSettings.checkUnits(out, budgets);
            unitShape.sinks();
            if (out.stream().anyMatch(u -> !u.isToken())) {
                boolean anyScored = false;
                for (String m : methods) anyScored |= CompressionMethods.byName(m.strip()).scoresContent();
                if (!anyScored) throw new CompressionException("--units " + String.join(",", units) + ": none of --methods " + String.join(",", methods)
                        + " scores what the rows hold (full, streamingllm and random run with token units only)");
            }
            return out;
        } catch (CompressionException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private List<String> rawArgs() {
        return spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
    }
}
