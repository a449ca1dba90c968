package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.eval.EvalSettings;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.eval.Needle;
import io.github.compresskv.eval.PromptLayout;
import io.github.compresskv.eval.niah.NeedleSuite;
import io.github.compresskv.profile.ProbeConfig;
import io.github.compresskv.eval.ruler.RulerPrompts;
import io.github.compresskv.eval.ruler.RulerSuite;
import io.github.compresskv.eval.ruler.RulerTask;
import io.github.compresskv.eval.longbench.LongBenchSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code compresskv eval SUITE}: a benchmark over methods × budgets into a resumable run folder. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate KV-cache compression methods on a benchmark: niah, ruler or longbench.",
                "Each item is prefilled once; every method x budget answers from a fork of that prefill.",
                "Writes config.json, predictions.jsonl, metrics.json, summary.md and plots into --out;",
                "the same command with the same --out resumes where it stopped."})
final class EvalCommand implements Callable<Integer> {
    static final String DEFAULT_METHODS = "full,snapkv,pyramidkv,adakv,cake,streamingllm,compresskv";

    @Mixin
    ModelOptions modelOptions;

    @Parameters(index = "0", paramLabel = "SUITE", description = "niah, ruler or longbench.")
    String suite;

    @Option(names = "--methods", paramLabel = "M,...", split = ",", defaultValue = DEFAULT_METHODS,
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
                    + " question to each compressed fork (window scorers see the context's end; kvzip scores by reconstructing the context).")
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
            EvalSuite s = suite(lm.model().config().contextLength());
            EvalSettings settings = settings(modelPath, methods, budgets, selectionUnits, window, pool, headProfile, layerProfile, modelOptions);
            Path dir = out != null ? out : EvalRun.defaultOut(s.name());
            EvalRun.run(lm, modelPath, s, inputs(s), settings, questionAgnostic, dir, "compresskv " + String.join(" ", rawArgs()), System.out, System.err);
        }
        return 0;
    }

    private EvalSuite suite(int context) {
        String name = suite.toLowerCase(Locale.ROOT);
        // a flag of another suite is a mistake, not something to ignore
        if (!name.equals("niah") && (needle != null || needlesFile != null || needlesPerCell != null || question != null || answer != null || depths != null || fullAnswers)) {
            throw new IllegalArgumentException("--needle(s), --question, --answer, --depths and --full-answers apply to niah only");
        }
        if (name.equals("niah") && (samples != null || tasks != null)) throw new IllegalArgumentException("--samples and --tasks do not apply to niah");
        if (!name.equals("longbench") && data != null) throw new IllegalArgumentException("--data applies to longbench only");
        if (name.equals("longbench") && (lengths != null || haystack != null || layout != null)) {
            throw new IllegalArgumentException("--lengths, --haystack and --layout do not apply to longbench");
        }
        return switch (name) {
            case "niah" -> {
                List<Needle> ns = needleOrPaper();
                if (needlesPerCell != null && needlesFile == null) throw new IllegalArgumentException("--needles-per-cell needs --needles FILE");
                yield new NeedleSuite(lengths != null ? lengths : defaultLengths(context, maxNewTokens),
                        depths != null ? depths : NeedleSuite.PAPER_DEPTHS, ns, needlesPerCell != null ? needlesPerCell : ns.size(),
                        haystack(), layout(), maxNewTokens, !fullAnswers);
            }
            case "ruler" -> new RulerSuite(rulerTasks(), lengths != null ? lengths : defaultLengths(context, 0),
                    samples != null ? samples : 5, seed, haystack(), new RulerPrompts(style(), layout()));
            case "longbench" -> {
                if (data == null) throw new IllegalArgumentException("eval longbench needs --data DIR (a folder of LongBench <dataset>.jsonl files)");
                yield new LongBenchSuite(data, tasks == null ? List.of() : tasks, samples == null ? 0 : samples);
            }
            default -> throw new IllegalArgumentException("unknown suite '" + suite + "'; valid: niah, ruler, longbench");
        };
    }

    /** What config.json records of a LongBench run (the suite reports no options of its own); empty otherwise. */
    private Map<String, Object> inputs(EvalSuite s) {
        if (!(s instanceof LongBenchSuite lb)) return Map.of();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data.toAbsolutePath().normalize().toString());
        m.put("datasets", lb.datasets());
        m.put("samples_per_dataset", samples == null ? 0 : samples);
        return m;
    }

    /** 1K, 2K, 4K and 8K tokens where they fit the model's context (with room for the answer), else half the context. */
    static int[] defaultLengths(int context, int answerTokens) {
        int[] fit = Arrays.stream(new int[] {1024, 2048, 4096, 8192}).filter(l -> l + answerTokens < context).toArray();
        return fit.length > 0 ? fit : new int[] {context / 2};
    }

    private List<Needle> needleOrPaper() {
        if (needlesFile != null) {
            if (needle != null || question != null || answer != null) {
                throw new IllegalArgumentException("--needles replaces --needle, --question and --answer: give one or the other");
            }
            if (!Files.isRegularFile(needlesFile)) throw new IllegalArgumentException("--needles: no such file: " + needlesFile);
            try {
                return ProbeConfig.readNeedles(needlesFile);
            } catch (IOException e) {
                throw new IllegalArgumentException("--needles: cannot read " + needlesFile + ": " + e.getMessage(), e);
            }
        }
        return List.of(singleNeedleOrPaper());
    }

    private Needle singleNeedleOrPaper() {
        if (needle == null && question == null && answer == null) return NeedleSuite.PAPER_NEEDLE;
        if (needle == null || question == null || answer == null) {
            throw new IllegalArgumentException("--needle, --question and --answer go together (the sentence, its question, the expected answer)");
        }
        return new Needle(needle.replace("\\n", "\n"), question, answer);
    }

    private Haystack haystack() { return haystack == null ? Haystack.walden() : Haystack.folder(haystack); }

    private PromptLayout layout() { return layout == null ? PromptLayout.PAPER : new PromptLayout(layout.replace("\\n", "\n")); }

    private RulerPrompts.Style style() {
        return switch (promptStyle.toLowerCase(Locale.ROOT)) {
            case "model" -> RulerPrompts.Style.MODEL;
            case "ruler" -> RulerPrompts.Style.RULER;
            default -> throw new IllegalArgumentException("--prompt-style must be model or ruler, got " + promptStyle);
        };
    }

    private List<RulerTask> rulerTasks() {
        if (tasks == null) return List.of(RulerTask.values());
        List<RulerTask> out = new ArrayList<>();
        for (String t : tasks) out.add(RulerTask.byId(t));
        return out;
    }

    static EvalSettings settings(Path modelPath, List<String> methods, List<Integer> budgets, List<SelectionUnit> units, int window, int pool,
                                 Path heads, Path layers, ModelOptions modelOptions) {
        CompressionOptions o = CompressionOptions.defaults().withWindow(window).withPool(pool, Pooling.AVG)
                .withProfiles(orBeside(heads, modelPath, ".heads.json"), orBeside(layers, modelPath, ".layers.json"));
        return new EvalSettings(methods, budgets, units, o, modelOptions.kvType);
    }

    /** The units of --units (with --chunk-size, --sentence-cap, --unit-score); a bad value is a usage error naming the flag. */
    private List<SelectionUnit> selectionUnits() {
        try {
            List<SelectionUnit> out = new ArrayList<>();
            for (String u : units) out.add(unitShape.unit(u));
            EvalSettings.checkUnits(out, budgets);
            if (out.stream().anyMatch(u -> !u.isToken())) {
                boolean anyScored = false;
                for (String m : methods) anyScored |= io.github.compresskv.compress.CompressionMethods.byName(m.strip()).scoresContent();
                if (!anyScored) throw new CompressionException("--units " + String.join(",", units) + ": none of --methods " + String.join(",", methods)
                        + " scores what the rows hold (full, streamingllm and random run with token units only)");
            }
            return out;
        } catch (CompressionException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** A profile given by flag, else {@code <model without .gguf><suffix>} beside the model when present. */
    static Path orBeside(Path given, Path modelPath, String suffix) {
        if (given != null) {
            if (!Files.isRegularFile(given)) throw new IllegalArgumentException("profile " + given + " is not a file");
            return given;
        }
        Path beside = modelPath.resolveSibling(modelPath.getFileName().toString().replaceFirst("\\.gguf$", "") + suffix);
        return Files.isRegularFile(beside) ? beside : null;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private List<String> rawArgs() {
        return spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
    }
}
