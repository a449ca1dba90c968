package io.github.compresskv.cli;

import io.github.compresskv.needle.NeedleFile;
import io.github.compresskv.needle.Needle;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.profile.HeadHeatMap;
import io.github.compresskv.profile.HeadProfileJson;
import io.github.compresskv.profile.HeadProfileResult;
import io.github.compresskv.profile.HeadProfiler;
import io.github.compresskv.profile.ProbeConfig;
import io.github.compresskv.profile.ProfileException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code compresskv profile heads}: semantic-retrieval-head identification by needle probes (method notes §3);
 * writes the head profile that {@code generate --method compresskv} reads.
 */
@Command(name = "heads", mixinStandardHelpOptions = true,
        description = {"Find the semantic retrieval heads of a model with needle-in-a-haystack probes.",
                "Scores every query head per decode step (SRH: answer-token count x attention mass on the answer span;",
                "classic: top-1 position is the copied token), averages over trials whose ROUGE-1 recall > 50,",
                "and ranks the heads of each layer. Resumable: finished trials are kept in <out>.partial.jsonl."})
final class ProfileHeadsCommand implements Callable<Integer> {
    static final String PROFILING_HAYSTACK = "frankenstein";

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--lengths", paramLabel = "N", split = ",",
            description = "Context lengths in tokens (default: 5 values from 512 to max(1024, context/4)).")
    int[] lengths;

    @Option(names = "--depths", paramLabel = "PCT", split = ",",
            description = "Needle depths in %% (default: 0,11,22,33,44,56,67,78,89,100).")
    int[] depths;

    @Option(names = "--needles", paramLabel = "FILE",
            description = "JSON array of {\"sentence\", \"question\", \"answer\"} (default: 3 built-in needles).")
    Path needles;

    @Option(names = "--haystack", paramLabel = "FILE",
            description = "A text file to use as haystack (default: the built-in Frankenstein text).")
    Path haystack;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Where the haystack starts (0 = its beginning; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "" + ProbeConfig.DEFAULT_MAX_NEW_TOKENS,
            description = "Greedy decode steps per trial (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--layout", paramLabel = "TEMPLATE",
            description = "Prompt layout with {context} and {question} (default: the paper's needle layout).")
    String layout;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "Output JSON (default: <model without .gguf>.heads.json beside the model).")
    Path out;

    @Option(names = "--authors-format", paramLabel = "FILE",
            description = "Also write the authors' {\"layer\": [ranked heads]} file.")
    Path authorsFormat;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Heat maps (layers x heads): SRH scores to FILE.png, classic scores to FILE-classic.png.")
    Path plot;

    @Override
    public Integer call() throws IOException {
        Path modelPath = modelOptions.modelPath();
        Path output = out != null ? out : defaultOutput(modelPath);
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            int context = lm.model().config().contextLength();
            ProbeConfig config = new ProbeConfig(modelPath.getFileName().toString(),
                    haystack == null ? PROFILING_HAYSTACK : haystack.getFileName().toString(),
                    lengths != null ? lengths : ProbeConfig.defaultLengths(context),
                    depths != null ? depths : ProbeConfig.PAPER_DEPTHS,
                    needles != null ? NeedleFile.read(needles) : ProbeConfig.defaultNeedles(), seed, maxNewTokens,
                    layout != null ? new PromptLayout(layout.replace("\\n", "\n")) : PromptLayout.PAPER);
            HeadProfiler profiler = new HeadProfiler(lm.model(), lm.tokenizer(), config, haystackText(), modelOptions.kvType);
            Path partial = output.resolveSibling(output.getFileName() + ".partial.jsonl");
            if (Files.exists(partial)) System.err.println("resuming from " + partial);
            ProgressLine bar = new ProgressLine(System.err, "profile heads");
            int[] ok = {0};
            int[] skipped = {0};
            HeadProfileResult result = profiler.run(partial, (done, total, t, resumed) -> {
                if (t.success()) ok[0]++;
                if (resumed) {
                    skipped[0]++;
                    return;
                }
                // the bar and its ETA count only the trials this run computes
                bar.update(done - skipped[0], total - skipped[0], String.format(Locale.ROOT, "len %d depth %d%% ok %d/%d%s",
                        t.length(), t.depth(), ok[0], done, skipped[0] > 0 ? " (" + skipped[0] + " resumed)" : ""));
            });
            bar.finish();
            HeadProfileJson.write(result, output);
            System.err.printf("wrote %s (%d of %d trials successful)%n", output, result.successfulTrials(), result.trials().size());
            if (result.successfulTrials() == 0) {
                System.err.println("warning: no trial recalled its answer; every score is 0 and the ranking is the head order");
            }
            if (authorsFormat != null) {
                HeadProfileJson.writeAuthorsFormat(result, authorsFormat);
                System.err.println("wrote " + authorsFormat);
            }
            if (plot != null) {
                HeadHeatMap.write(result.srh(), "Semantic retrieval score per head (" + config.model() + ")", plot);
                Path classic = plot.resolveSibling(plot.getFileName().toString().replaceFirst("(\\.png)?$", "-classic.png"));
                HeadHeatMap.write(result.classic(), "Classic retrieval score per head (" + config.model() + ")", classic);
                System.err.println("wrote " + plot + " and " + classic);
            }
            for (int l = 0; l < result.layers(); l++) {
                System.out.printf("layer %d: SRH top %s, classic top %s%n", l, top(result.srhRanking()[l]), top(result.classicRanking()[l]));
            }
        }
        return 0;
    }

    /** {@code <model without .gguf>.heads.json} beside the model: where generate --method compresskv looks. */
    static Path defaultOutput(Path modelPath) {
        String name = modelPath.getFileName().toString().replaceFirst("\\.gguf$", "");
        return modelPath.resolveSibling(name + ".heads.json");
    }

    private String haystackText() throws IOException {
        if (haystack != null) return Files.readString(haystack);
        String resource = "/io/github/compresskv/haystack/" + PROFILING_HAYSTACK + ".txt";
        try (InputStream in = ProfileHeadsCommand.class.getResourceAsStream(resource)) {
            if (in == null) throw new ProfileException("built-in haystack " + resource + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String top(int[] ranking) {
        return java.util.Arrays.toString(java.util.Arrays.copyOf(ranking, Math.min(4, ranking.length)));
    }
}
