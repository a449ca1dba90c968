package io.github.compresskv.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.compresskv.bench.BenchPlan;
import io.github.compresskv.bench.BenchReport;
import io.github.compresskv.bench.BenchResult;
import io.github.compresskv.bench.MachineRates;
import io.github.compresskv.bench.ProcessMemory;
import io.github.compresskv.bench.SingleRun;
import io.github.compresskv.bench.SweepRunner;
import io.github.compresskv.bench.SweepSetup;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code compresskv bench}: one run ({@link SingleRun}) or, with {@code --contexts}, a sweep into a run folder ({@link BenchReport}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill and decode speed and the memory bandwidth decode achieves.",
                "Decode bandwidth = (weight bytes + KV bytes read per token) / median time per token,",
                "reported next to a plain multi-threaded streaming read of a large buffer (the roofline);",
                "prefill GFLOP/s next to the peak vector FMA rate measured the same way.",
                "Sweep: --contexts 512,1024,... --methods full,compresskv --budgets 256 [--out DIR] writes",
                "config.json, results.json, results.csv and plots (decode ms/token, KV bytes, prefill tokens/s vs context)."})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "256", description = "Prompt length for prefill (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64", description = "Decode steps timed (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "8", description = "Decode steps run before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-runs", paramLabel = "N", defaultValue = "3",
            description = "Untimed warm-up prefills before the first timed one, so that C2 has compiled the kernels (default: ${DEFAULT-VALUE}; "
                    + "1 for memory measurements: the warm-up's garbage stays resident).")
    int warmupRuns;

    @Option(names = "--probe-mib", paramLabel = "MIB", defaultValue = "1024", description = "Buffer for the bandwidth probe (default: ${DEFAULT-VALUE}).")
    int probeMib;

    @Option(names = "--json", paramLabel = "FILE", description = "Single run: also write the results as JSON.")
    Path json;

    @Option(names = "--contexts", split = ",", paramLabel = "N,N,...", description = "Sweep: prompt lengths, e.g. 512,1024,2048.")
    List<Integer> contexts;

    @Option(names = "--methods", split = ",", paramLabel = "NAME,...", defaultValue = CompressionMethods.NONE, completionCandidates = MethodNames.class,
            description = "Sweep: methods (${COMPLETION-CANDIDATES}; default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    UnitShapeFlags unitShape;

    @Option(names = "--units", split = ",", paramLabel = "U,...", defaultValue = "token",
            description = "Sweep: selection units of the methods with content scores (token, chunk, sentence, chunk16, sentence-mean, ...;"
                    + " default: ${DEFAULT-VALUE}).")
    List<String> units;

    @Option(names = "--budgets", split = ",", paramLabel = "B,...", description = "Sweep: budgets (rows per KV head per layer) of the compressing methods.")
    List<Integer> budgets = new ArrayList<>();

    @Option(names = "--streaming", description = "Sweep: compress each layer as soon as its prefill is done (lower peak memory).")
    boolean streaming;

    @Option(names = "--prompt-states-in-file",
            description = "Sweep, with --streaming: hold the prompt's hidden states between layers in a temporary file (the OS page"
                    + " cache) instead of the Java heap.")
    boolean promptStatesInFile;

    @Option(names = "--window", paramLabel = "W", defaultValue = "8", description = "Sweep: observation window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--head-profile", paramLabel = "FILE", description = "compresskv's head profile (default: beside the model, else a placeholder).")
    Path headProfile;

    @Option(names = "--layer-profile", paramLabel = "FILE", description = "compresskv's layer profile (default: beside the model, else a placeholder).")
    Path layerProfile;

    @Option(names = "--out", paramLabel = "DIR", description = "Sweep: run folder (default: runs/bench-<UTC time>).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (warmupRuns < 0) throw new IllegalArgumentException("--warmup-runs must be >= 0, got " + warmupRuns);
        if (contexts != null) return sweep();
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            SingleRun r = SingleRun.measure(lm.model(), modelOptions.kvType, promptTokens, genTokens, warmup, warmupRuns, probeMib, System.err);
            System.out.printf(Locale.ROOT, "%-34s %s%n", "model", r.config());
            System.out.printf(Locale.ROOT, "%-34s %d (%s KV, %s per token)%n", "threads", r.threads(), r.kvType(), KvTypes.perToken(lm.model().config(), r.kvType()));
            System.out.printf(Locale.ROOT, "%-34s %d tokens in %.3f s = %.1f tok/s (%.1f GFLOP/s, %.0f%% of FMA peak %.1f)%n",
                    "prefill", r.promptTokens(), r.prefillSeconds(), r.prefillTokensPerSecond(), r.prefillGflops(),
                    100 * r.prefillGflops() / r.fmaGigaflopsPerSecond(), r.fmaGigaflopsPerSecond());
            System.out.printf(Locale.ROOT, "%-34s %.3f ms/token median of %d = %.1f tok/s%n", "decode", r.decodeMsMedian(), r.decodeTokens(), r.decodeTokensPerSecond());
            System.out.printf(Locale.ROOT, "%-34s %s weights + %s KV per token = %.2f GB/s%n", "decode bandwidth",
                    Units.bytes(r.weightBytes()), Units.bytes(r.kvBytes()), r.decodeGigabytesPerSecond());
            System.out.printf(Locale.ROOT, "%-34s %.2f GB/s (%d threads)%n", "streaming read (same run)", r.readGigabytesPerSecond(), r.threads());
            System.out.printf(Locale.ROOT, "%-34s %.0f%%%n", "decode / streaming read", 100 * r.decodeGigabytesPerSecond() / r.readGigabytesPerSecond());
            if (json != null) {
                Path parent = json.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                io.github.compresskv.format.AtomicFiles.write(json, out -> new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(out, r.toMap(modelOptions.model.toString())));
                System.err.println("wrote " + json);
            }
        }
        return 0;
    }

    /** The sweep: rooflines, JIT warm-up, every point, rooflines again; then the run folder. */
    private int sweep() throws IOException {
        try {
            for (String u : units) unitShape.unit(u); // a usage error before the model loads
            unitShape.sinks();
        } catch (CompressionException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        BenchPlan plan = new BenchPlan(contexts, methods, budgets, units.stream().map(u -> unitShape.unit(u).label()).toList(), genTokens, warmup,
                modelOptions.kvType, streaming, window);
        for (String m : plan.methods()) {
            // unknown names fail before the model loads; a reconstruction pass is not part of the sweep's prefill
            if (CompressionMethods.byName(m).reconstructs()) {
                throw new ParameterException(spec.commandLine(), "--methods " + m + ": bench does not run a method that scores by reconstructing"
                        + " the context after its prefill (its pass is timed by `generate --question-agnostic --method " + m + "`)");
            }
        }
        Path dir = out != null ? out : Path.of("runs", "bench-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()));
        Files.createDirectories(dir);
        System.gc();
        ProcessMemory.Snapshot jvmBaseline = ProcessMemory.read();
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            Model model = lm.model();
            Path modelPath = modelOptions.modelPath();
            CompressionOptions options = SweepSetup.withProfiles(CompressionOptions.defaults().withWindow(window).withStreaming(streaming)
                    .withPromptStatesInFile(promptStatesInFile).withProfiles(headProfile, layerProfile).with(unitShape.sinks()), modelPath, plan.methods(), dir, model.config(), System.err);
            SweepRunner runner = new SweepRunner(model, plan, SweepRunner.compressors(model.config(), options, lm.tokenizer()));

            int threads = model.parallel().threads();
            System.err.println("measuring memory bandwidth (streaming read of " + probeMib + " MiB) and vector FMA peak ...");
            MachineRates before = MachineRates.measure(threads, (long) probeMib << 20);
            System.err.printf(Locale.ROOT, "read %.1f GB/s, FMA %.0f GFLOP/s (%d threads, %d-bit vectors); JIT warm-up ...%n",
                    before.readGigabytesPerSecond(), before.fmaGigaflopsPerSecond(), threads, before.vectorBits());
            runner.warmUp(warmupRuns);
            ProgressLine progress = new ProgressLine(System.err, "bench");
            List<BenchResult> provisional = runner.run(before, (i, n, msg) -> progress.update(i, n, msg));
            progress.finish();
            MachineRates after = MachineRates.measure(threads, (long) probeMib << 20);
            MachineRates rates = before.best(after);
            List<BenchResult> results = provisional.stream().map(r -> r.withRates(rates).withJvmBaseline(jvmBaseline.rss())).toList();
            Map<String, Object> config = SweepSetup.config(modelPath, model, plan, options, warmupRuns, jvmBaseline.rss(), before, after, rates);
            BenchReport.write(dir, config, results, model.source().path().getFileName() + ", " + threads + " threads, " + plan.kvStorage() + " KV");
            printTable(results, rates);
            if (!SweepSetup.fixedYoungGeneration()) {
                System.err.println("note: RSS figures include however far the Java heap grew; for memory measurements run one point per"
                        + " process with COMPRESSKV_JAVA_OPTS=\"-Xmn64m -XX:MinHeapFreeRatio=1 -XX:MaxHeapFreeRatio=10\"");
            }
            System.err.println("wrote " + dir + " (config.json, results.json, results.csv, " + BenchReport.DECODE_PLOT + ", "
                    + BenchReport.KV_PLOT + ", " + BenchReport.PREFILL_PLOT + ")");
        }
        return 0;
    }

    private static void printTable(List<BenchResult> results, MachineRates rates) {
        System.out.printf(Locale.ROOT, "rooflines: read %.1f GB/s, FMA %.0f GFLOP/s (%d threads)%n",
                rates.readGigabytesPerSecond(), rates.fmaGigaflopsPerSecond(), rates.threads());
        System.out.printf(Locale.ROOT, "%-20s %7s %9s %5s %8s %9s %5s %10s %10s %10s %10s%n", "method", "context", "prefill/s",
                "%FMA", "compr%", "decode ms", "%BW", "KV", "KV peak", "RSS-JVM", "mem goal");
        for (BenchResult r : results) {
            System.out.printf(Locale.ROOT, "%-20s %7d %9.1f %4.0f%% %7.2f%% %9.2f %4.0f%% %10s %10s %10s %10s%n", r.label(), r.context(),
                    r.prefillTokensPerSecond(), 100 * r.prefillFractionOfFma(), 100 * r.compressionShareOfPrefill(),
                    r.decodeMsMedian(), 100 * r.decodeFractionOfBandwidth(), Units.bytes(r.kvBytes()), Units.bytes(r.kvBytesPeak()),
                    r.rssPeakAboveJvm() < 0 ? "?" : Units.bytes(r.rssPeakAboveJvm()), Units.bytes(r.memoryBoundBytes()));
        }
    }
}
