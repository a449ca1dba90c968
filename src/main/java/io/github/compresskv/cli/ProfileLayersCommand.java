package io.github.compresskv.cli;

import io.github.compresskv.compress.ErrorAwareAllocator;
import io.github.compresskv.compress.HeadProfile;
import io.github.compresskv.profile.LayerCalibrationGenerator;
import io.github.compresskv.profile.LayerCalibrationLongBench;
import io.github.compresskv.profile.LayerCalibrationSet;
import io.github.compresskv.profile.LayerErrorProfile;
import io.github.compresskv.profile.LayerErrorProfiler;
import io.github.compresskv.profile.LayerProfileSettings;
import io.github.compresskv.profile.LayerProfileWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code compresskv profile layers}: CompressKV's per-layer eviction-error profile (method document §5.1). */
@Command(name = "layers", mixinStandardHelpOptions = true,
        description = {"Measure each layer's eviction error (CompressKV §5.1) and write the layer profile.",
                "`generate --method compresskv` uses it for its error-aware budgets (JSON + bar chart PNG); the error is",
                "measured at a small uniform budget.",
                "Generates greedily with the full cache and shadows every decode step with attention over the",
                "CompressKV keep set of each layer; errors are normalised per task, averaged, normalised again."})
final class ProfileLayersCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--head-profile", paramLabel = "FILE",
            description = "Semantic-retrieval-head profile (`compresskv profile heads`; default: <model>.heads.json beside the model).")
    Path headProfile;

    @Option(names = "--calibration", paramLabel = "DIR",
            description = "A folder of LongBench-format .jsonl files (fields context, input; one task per file). Default: generated tasks on the Frankenstein haystack.")
    Path calibration;

    @Option(names = "--samples-per-task", paramLabel = "N", defaultValue = "32", description = "Prompts per calibration task (default: ${DEFAULT-VALUE}; the run reports whether its two halves agree).")
    int samplesPerTask;

    @Option(names = "--length", paramLabel = "TOKENS", defaultValue = "1024", description = "Prompt length in tokens (generated: at most; LongBench: truncated in the middle) (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", defaultValue = "" + LayerCalibrationGenerator.DEFAULT_SEED, description = "Seed of the generated calibration tasks (default: ${DEFAULT-VALUE}; not an evaluation seed).")
    long seed;

    @Option(names = "--budget", paramLabel = "B", defaultValue = "32", description = "Profiling budget per layer, window included (default: ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--window", paramLabel = "W", defaultValue = "8", description = "Observation window, always kept (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pool", paramLabel = "K", defaultValue = "5", description = "Average-pooling kernel (default: ${DEFAULT-VALUE}).")
    int pool;

    @Option(names = "--retrieval-heads", paramLabel = "K", defaultValue = "4", description = "Semantic retrieval heads per layer (default: ${DEFAULT-VALUE}).")
    int retrievalHeads;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32", description = "Greedy tokens generated per prompt, at least 1 (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.json", description = "Output JSON (default: <model>.layers.json beside the model); the PNG goes beside it.")
    Path output;

    @Option(names = "--png", paramLabel = "FILE.png", description = "Bar chart (default: the output with .png instead of .json).")
    Path png;

    @Override
    public Integer call() throws IOException {
        LayerProfileSettings settings = new LayerProfileSettings(budget, window, pool, retrievalHeads, maxNewTokens);
        Path modelPath = modelOptions.modelPath();
        Path heads = headProfile != null ? headProfile : beside(modelPath, ".heads.json");
        Path out = output != null ? output : beside(modelPath, ".layers.json");
        Path chart = png != null ? png : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.json$", "") + ".png");
        HeadProfile profile = HeadProfile.load(heads);
        PrintStream err = System.err;
        try (LoadedModel lm = LoadedModel.open(modelOptions, err)) {
            LayerCalibrationSet set = calibration != null
                    ? LayerCalibrationLongBench.read(calibration, lm.tokenizer(), samplesPerTask, length)
                    : new LayerCalibrationGenerator(lm.tokenizer(), LayerCalibrationGenerator.haystackResource(LayerCalibrationGenerator.DEFAULT_HAYSTACK),
                    seed, Math.min(length, lm.model().config().contextLength() - maxNewTokens)).generate(samplesPerTask);
            err.printf(Locale.ROOT, "calibration: %s, %d tasks, %d prompts%n", set.source(), set.tasks().size(), set.prompts());
            LayerErrorProfiler profiler = new LayerErrorProfiler(lm.model(), profile, settings, modelOptions.kvType, lm.tokenizer().endOfGenerationIds());
            ProgressLine progress = new ProgressLine(err, "profile layers");
            long t0 = System.nanoTime();
            LayerErrorProfile result = profiler.profile(set, progress::update);
            progress.finish();
            double seconds = (System.nanoTime() - t0) / 1e9;

            Map<String, Object> info = new LinkedHashMap<>();
            info.put("model", modelPath.getFileName().toString());
            info.put("head_profile", heads.getFileName().toString());
            info.put("budget", budget);
            info.put("window", window);
            info.put("pool", pool);
            info.put("retrieval_heads", retrievalHeads);
            info.put("max_new_tokens", maxNewTokens);
            info.put("kv_type", modelOptions.kvType.name().toLowerCase(Locale.ROOT));
            info.put("calibration", set.source());
            info.put("seed", calibration == null ? seed : null);
            info.put("length", length);
            info.put("samples_per_task", samplesPerTask);
            Map<String, int[]> budgets = new LinkedHashMap<>();
            for (int b : new int[]{64, 128, 256}) budgets.put(Integer.toString(b), ErrorAwareAllocator.allocateWithPaperBounds(result.avgScore(), b));
            info.put("error_aware_budgets", budgets);
            Map<String, Integer> gaps = new LinkedHashMap<>();
            if (result.halfScores() != null) {
                for (int b : new int[]{64, 128, 256}) gaps.put(Integer.toString(b), result.splitHalfBudgetGap(b));
                info.put("split_half_budget_gap", gaps);
            }
            LayerProfileWriter.writeJson(out, result, info);
            LayerProfileWriter.writeChart(chart, result.avgScore(),
                    "Layer eviction error, " + modelPath.getFileName() + " (B = " + budget + ", " + set.prompts() + " prompts)");
            err.printf(Locale.ROOT, "profiled %d prompts (%d decode steps) in %.1f s%n", set.prompts(), result.decodeSteps(), seconds);
            StringBuilder v = new StringBuilder("avg_score:");
            for (double e : result.avgScore()) v.append(String.format(Locale.ROOT, " %.4f", e));
            err.println(v);
            budgets.forEach((b, per) -> err.println("error-aware budgets at B=" + b + ": " + java.util.Arrays.toString(per)));
            if (gaps.isEmpty()) {
                err.println("split-half check skipped: it needs at least 2 prompts per task (--samples-per-task)");
            } else {
                int gap = gaps.get("128");
                err.printf(Locale.ROOT, "split-half check: the two halves of the prompts give budgets at B=128 that differ by at most %d rows in a layer%s%n",
                        gap, gap > 128 / 10 ? " (over 10 % of B: more --samples-per-task would give a steadier profile)" : "");
            }
            err.println("wrote " + out + " and " + chart);
        }
        return 0;
    }

    private static Path beside(Path model, String suffix) {
        String name = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        return model.toAbsolutePath().resolveSibling(name + suffix);
    }
}
