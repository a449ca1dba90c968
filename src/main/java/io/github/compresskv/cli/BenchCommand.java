package io.github.compresskv.cli;

import io.github.compresskv.generate.Sampler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.compresskv.bench.BenchPlan;
import io.github.compresskv.bench.BenchReport;
import io.github.compresskv.bench.BenchResult;
import io.github.compresskv.bench.MachineRates;
import io.github.compresskv.bench.ProcessMemory;
import io.github.compresskv.bench.SweepRunner;
import io.github.compresskv.bench.TimingProfiles;
import io.github.compresskv.bench.WorkModel;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.tensor.Simd;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tensor.BandwidthProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code compresskv bench}: prefill and decode speed of a model, and the memory bandwidth the decode loop
 * achieves (weight bytes read per token / time per token) next to a plain multi-threaded streaming read
 * measured in the same run. With {@code --contexts} it sweeps context lengths × methods × budgets into a run
 * folder ({@link BenchReport}); without, it is one run at {@code --prompt-tokens}, printed (and {@code --json}).
 */
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

    @Option(names = "--methods", split = ",", paramLabel = "NAME,...", defaultValue = "full",
            description = "Sweep: methods (full, compresskv, snapkv, ...; default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
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
        if (promptTokens < 1 || genTokens < 1 || warmup < 0) throw new IllegalArgumentException("--prompt-tokens and --gen-tokens must be >= 1");
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            Model model = lm.model();
            ModelConfig c = model.config();
            if (promptTokens + warmup + genTokens > c.contextLength()) {
                throw new IllegalArgumentException("--prompt-tokens + --warmup + --gen-tokens = " + (promptTokens + warmup + genTokens)
                        + " exceeds the context length " + c.contextLength());
            }
            int threads = model.parallel().threads();
            int[] prompt = syntheticTokens(promptTokens, c.vocab());
            Transformer tf = model.newTransformer();

            // prefill: warm-up runs of up to one chunk (so that C2 has compiled the matmul kernels), then the timed one
            for (int round = 0; round < warmupRuns; round++) {
                tf.prefill(model.newCache(modelOptions.kvType), Arrays.copyOf(prompt, Math.min(prompt.length, tf.chunkSize())));
            }
            KvCache cache = model.newCache(modelOptions.kvType);
            long t0 = System.nanoTime();
            float[] logits = tf.prefill(cache, prompt);
            double prefillSec = (System.nanoTime() - t0) / 1e9;

            int token = Sampler.argmax(logits);
            for (int i = 0; i < warmup; i++) token = Sampler.argmax(tf.decode(cache, token));
            double[] stepMs = new double[genTokens];
            for (int i = 0; i < genTokens; i++) {
                long s = System.nanoTime();
                token = Sampler.argmax(tf.decode(cache, token));
                stepMs[i] = (System.nanoTime() - s) / 1e6;
            }
            double medianMs = SweepRunner.median(stepMs);
            long weightBytes = model.weights().matrixBytesPerToken();
            long kvBytes = cache.bytes();
            double decodeGBs = (weightBytes + kvBytes) / (medianMs / 1e3) / 1e9;

            System.err.println("measuring memory bandwidth (streaming read of " + probeMib + " MiB) and vector FMA peak ...");
            BandwidthProbe.Bandwidth bw = BandwidthProbe.readBandwidth((long) probeMib << 20, threads, 5);
            BandwidthProbe.FmaRate fma = BandwidthProbe.fmaRate(threads, 20_000_000, 3);
            // every prompt token goes through the layers; only the last one through the output projection
            double prefillFlops = 2.0 * (layerMatrixParams(c) * promptTokens + (double) c.dim() * c.vocab());
            double prefillGflops = prefillFlops / prefillSec / 1e9;

            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", modelOptions.model.toString());
            r.put("config", c.summary());
            r.put("threads", threads);
            r.put("kv_type", modelOptions.kvType.toString());
            r.put("prompt_tokens", promptTokens);
            r.put("prefill_seconds", prefillSec);
            r.put("prefill_tokens_per_second", promptTokens / prefillSec);
            r.put("prefill_gflops", prefillGflops);
            r.put("decode_tokens", genTokens);
            r.put("decode_ms_per_token_median", medianMs);
            r.put("decode_tokens_per_second", 1000 / medianMs);
            r.put("weight_bytes_per_token", weightBytes);
            r.put("kv_bytes_at_end", kvBytes);
            r.put("decode_bandwidth_gb_per_s", decodeGBs);
            r.put("streaming_read_gb_per_s", bw.gigabytesPerSecond());
            r.put("decode_fraction_of_streaming_read", decodeGBs / bw.gigabytesPerSecond());
            r.put("fma_peak_gflops", fma.gigaflopsPerSecond());
            r.put("prefill_fraction_of_fma_peak", prefillGflops / fma.gigaflopsPerSecond());

            System.out.printf(Locale.ROOT, "%-34s %s%n", "model", c.summary());
            System.out.printf(Locale.ROOT, "%-34s %d (%s KV, %s per token)%n", "threads", threads, modelOptions.kvType, KvTypes.perToken(c, modelOptions.kvType));
            System.out.printf(Locale.ROOT, "%-34s %d tokens in %.3f s = %.1f tok/s (%.1f GFLOP/s, %.0f%% of FMA peak %.1f)%n",
                    "prefill", promptTokens, prefillSec, promptTokens / prefillSec, prefillGflops,
                    100 * prefillGflops / fma.gigaflopsPerSecond(), fma.gigaflopsPerSecond());
            System.out.printf(Locale.ROOT, "%-34s %.3f ms/token median of %d = %.1f tok/s%n", "decode", medianMs, genTokens, 1000 / medianMs);
            System.out.printf(Locale.ROOT, "%-34s %s weights + %s KV per token = %.2f GB/s%n", "decode bandwidth",
                    Units.bytes(weightBytes), Units.bytes(kvBytes), decodeGBs);
            System.out.printf(Locale.ROOT, "%-34s %.2f GB/s (%d threads)%n", "streaming read (same run)", bw.gigabytesPerSecond(), threads);
            System.out.printf(Locale.ROOT, "%-34s %.0f%%%n", "decode / streaming read", 100 * decodeGBs / bw.gigabytesPerSecond());
            if (json != null) {
                Path parent = json.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
                System.err.println("wrote " + json);
            }
        }
        return 0;
    }

    /** The compressor of {@code method} or {@code method+unit}; sentence units read the (synthetic) prompt's tokens. */
    static KvCompressor compressor(String variant, int budget, int[] prompt, ModelConfig c, CompressionOptions options, Tokenizer tokenizer) {
        int plus = variant.indexOf('+');
        String method = plus < 0 ? variant : variant.substring(0, plus);
        SelectionUnit unit = plus < 0 ? SelectionUnit.token() : SelectionUnit.fromLabel(variant.substring(plus + 1));
        return KvCompressor.create(CompressionMethods.byName(method), Budget.tokens(budget), c, options.withUnit(unit)).prompt(tokenizer, prompt);
    }

    private static double layerMatrixParams(ModelConfig c) { return WorkModel.layerMatrixParams(c); }

    static int[] syntheticTokens(int n, int vocab) { return SweepRunner.syntheticTokens(n, vocab); }

    /** The sweep: rooflines, JIT warm-up, every point, rooflines again; then the run folder. */
    private int sweep() throws IOException {
        try {
            for (String u : units) unitShape.unit(u); // a usage error before the model loads
        } catch (io.github.compresskv.compress.CompressionException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        BenchPlan plan = new BenchPlan(contexts, methods, budgets, units.stream().map(u -> unitShape.unit(u).label()).toList(), genTokens, warmup,
                modelOptions.kvType, streaming, window);
        for (String m : plan.methods()) {
            // unknown names fail before the model loads; kvzip's reconstruction pass is not part of the sweep's prefill
            if (CompressionMethods.byName(m).reconstructs()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--methods " + m + ": bench does not run kvzip (a question-agnostic method; its reconstruction"
                        + " pass is timed by `generate --question-agnostic --method kvzip`)");
            }
        }
        Path dir = out != null ? out : Path.of("runs", "bench-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()));
        Files.createDirectories(dir);
        System.gc();
        ProcessMemory.Snapshot jvmBaseline = ProcessMemory.read();
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            Model model = lm.model();
            ModelConfig c = model.config();
            Path modelPath = modelOptions.modelPath();
            Map<String, Object> profiles = new LinkedHashMap<>();
            Path heads = CompressionFlags.orDefault(headProfile, modelPath, ".heads.json");
            Path layers = CompressionFlags.orDefault(layerProfile, modelPath, ".layers.json");
            if (plan.methods().stream().anyMatch(m -> m.toLowerCase(Locale.ROOT).startsWith("compresskv"))) {
                if (heads == null) {
                    heads = TimingProfiles.writeHeads(dir.resolve("placeholder.heads.json"), c);
                    System.err.println("no head profile beside the model: using a placeholder (" + heads + "); speed does not depend on which heads");
                }
                if (layers == null) {
                    layers = TimingProfiles.writeLayers(dir.resolve("placeholder.layers.json"), c);
                    System.err.println("no layer profile beside the model: using a placeholder (" + layers + ", equal budgets)");
                }
            }
            profiles.put("head_profile", heads == null ? null : heads.toString());
            profiles.put("layer_profile", layers == null ? null : layers.toString());
            CompressionOptions options = CompressionOptions.defaults().withWindow(window).withStreaming(streaming)
                    .withPromptStatesInFile(promptStatesInFile).withProfiles(heads, layers);
            SweepRunner runner = new SweepRunner(model, plan,
                    (m, b, prompt) -> compressor(m, b, prompt, c, options, lm.tokenizer()));

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

            Map<String, Object> config = new LinkedHashMap<>();
            config.put("model", modelPath.toString());
            config.put("config", c.summary());
            config.put("weight_bytes", model.weights().matrixBytesPerToken());
            config.put("threads", threads);
            config.put("vector_bits", Simd.bits());
            config.put("java", Runtime.version().toString());
            config.put("jvm_arguments", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            config.put("cpu", cpuName());
            config.put("plan", plan);
            config.put("profiles", profiles);
            config.put("prompt_states_in_file", promptStatesInFile);
            config.put("warmup_runs", warmupRuns);
            config.put("jvm_baseline_rss_bytes", jvmBaseline.rss());
            config.put("rates_before", before);
            config.put("rates_after", after);
            config.put("rates_used", rates);
            config.put("notes", List.of(
                    "decode_bandwidth_fraction = (weight matrix bytes + KV bytes read per step) / median step time / read bandwidth",
                    "prefill_fma_fraction = (matrix FLOPs of every token + output projection + causal attention FLOPs) / prefill time / FMA peak",
                    "rates_used = the better of the probes before and after the sweep, per rate",
                    "rss_peak = VmHWM during the point (reset before it via /proc/self/clear_refs when allowed); it includes the JVM"
                            + " (jvm_baseline_rss_bytes) and heap committed by earlier points: measure memory with one point per process",
                    "memory_bound_bytes = 1.1 x (weight matrix bytes + one uncompressed layer of the prompt + cache after prefill),"
                            + " to compare with rss_peak_above_jvm (rss_peak - jvm_baseline_rss_bytes)"));
            BenchReport.write(dir, config, results, model.source().path().getFileName() + ", " + threads + " threads, " + plan.kvStorage() + " KV");
            printTable(results, rates);
            if (java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream().noneMatch(a -> a.startsWith("-Xmn"))) {
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

    /** The CPU model from /proc/cpuinfo, or the JVM's architecture. */
    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
