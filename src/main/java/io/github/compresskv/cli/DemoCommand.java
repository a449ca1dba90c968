package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.eval.EvalSettings;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.eval.niah.NeedleSuite;
import io.github.compresskv.eval.ruler.RulerPrompts;
import io.github.compresskv.eval.ruler.RulerSuite;
import io.github.compresskv.eval.ruler.RulerTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code compresskv demo}: a small needle sweep and two RULER tasks on the (embedded) model for full, streamingllm,
 * snapkv, pyramidkv and compresskv (token and sentence units) at two budgets — a few minutes on two cores — with the tables on stdout and
 * the run folders (reports, heat maps, curves) under {@code runs/demo-<time>/}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"A few-minute evaluation: needle-in-a-haystack (1K-3K tokens, 4 depths) and two RULER tasks",
                "(multi-key needles, variable tracking) for full, streamingllm, snapkv, pyramidkv, compresskv at budgets 64 and 128,",
                "the last three selecting single tokens and whole sentences (snapkv+sentence, ...).",
                "Prints the tables and writes the run folders with their plots under runs/demo-<UTC time>/."})
final class DemoCommand implements Callable<Integer> {
    static final List<String> METHODS = CompressionMethods.DEMO;
    static final List<Integer> BUDGETS = List.of(64, 128);
    /** Token selection next to whole sentences, so the demo shows what keeping whole units changes. */
    static final List<SelectionUnit> UNITS = List.of(SelectionUnit.token(), SelectionUnit.sentence(SelectionUnit.DEFAULT_SENTENCE_CAP));
    static final int[] NIAH_LENGTHS = {1024, 2048, 3072};
    static final int[] NIAH_DEPTHS = {0, 33, 67, 100};
    static final List<RulerTask> RULER_TASKS = List.of(RulerTask.NIAH_MULTIKEY, RulerTask.VT);
    static final int[] RULER_LENGTHS = {1024, 2048};
    static final int RULER_SAMPLES = 2;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Folder of the two runs (default: runs/demo-<UTC time>).")
    Path out;

    @Override
    public Integer call() {
        Path modelPath = modelOptions.modelPath();
        long t0 = System.nanoTime();
        Path dir = out != null ? out : EvalRun.defaultOut("demo");
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            EvalSettings settings = EvalCommand.settings(modelPath, METHODS, BUDGETS, UNITS, 8, 5, 0, null, null, modelOptions);
            NeedleSuite niah = new NeedleSuite(NIAH_LENGTHS, NIAH_DEPTHS, NeedleSuite.PAPER_NEEDLE, Haystack.walden(), PromptLayout.PAPER,
                    NeedleSuite.PAPER_MAX_NEW_TOKENS, true);
            EvalRun.run(lm, modelPath, niah, settings, dir.resolve("niah"), "compresskv demo", System.out, System.err);
            RulerSuite ruler = new RulerSuite(RULER_TASKS, RULER_LENGTHS, RULER_SAMPLES, 0, Haystack.walden(), RulerPrompts.MODEL_DEFAULT);
            EvalRun.run(lm, modelPath, ruler, settings, dir.resolve("ruler"), "compresskv demo", System.out, System.err);
        }
        System.out.printf(Locale.ROOT, "demo finished in %.0f s; run folders with summary.md, metrics.json and plots: %s%n",
                (System.nanoTime() - t0) / 1e9, dir.toAbsolutePath().normalize());
        return 0;
    }
}
