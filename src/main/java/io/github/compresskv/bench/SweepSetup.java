package io.github.compresskv.bench;

import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.tensor.Simd;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a sweep needs besides its plan: the profiles of the methods that read them, and the description in config.json. */
public final class SweepSetup {
    private SweepSetup() {}

    /**
     * The profiles given, else those beside the model; where a method of the plan reads profiles and there are none,
     * placeholders written into {@code dir} ({@link TimingProfiles}), said on {@code log}. Returns the options with them.
     */
    public static CompressionOptions withProfiles(CompressionOptions options, Path modelPath, List<String> methods, Path dir, ModelConfig c,
                                                  PrintStream log) throws IOException {
        CompressionOptions o = options.withProfilesBeside(modelPath);
        Path heads = o.headProfile(), layers = o.layerProfile();
        if (methods.stream().anyMatch(CompressionMethods::readsProfiles)) {
            if (heads == null) {
                heads = TimingProfiles.writeHeads(dir.resolve("placeholder.heads.json"), c);
                log.println("no head profile beside the model: using a placeholder (" + heads + "); speed does not depend on which heads");
            }
            if (layers == null) {
                layers = TimingProfiles.writeLayers(dir.resolve("placeholder.layers.json"), c);
                log.println("no layer profile beside the model: using a placeholder (" + layers + ", equal budgets)");
            }
        }
        return o.withProfiles(heads, layers);
    }

    /** config.json of a sweep: model, machine, JVM, plan, profiles and the rooflines before, after and used. */
    public static Map<String, Object> config(Path modelPath, Model model, BenchPlan plan, CompressionOptions options, int warmupRuns,
                                             long jvmBaselineRss, MachineRates before, MachineRates after, MachineRates used) {
        Map<String, Object> profiles = new LinkedHashMap<>();
        profiles.put("head_profile", options.headProfile() == null ? null : options.headProfile().toString());
        profiles.put("layer_profile", options.layerProfile() == null ? null : options.layerProfile().toString());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", modelPath.toString());
        config.put("config", model.config().summary());
        config.put("weight_bytes", model.weights().matrixBytesPerToken());
        config.put("threads", model.parallel().threads());
        config.put("vector_bits", Simd.bits());
        config.put("java", Runtime.version().toString());
        config.put("jvm_arguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        config.put("cpu", cpuName());
        config.put("plan", plan);
        config.put("profiles", profiles);
        config.put("prompt_states_in_file", options.promptStatesInFile());
        config.put("sink_tokens", options.sinkTokens());
        config.put("warmup_runs", warmupRuns);
        config.put("jvm_baseline_rss_bytes", jvmBaselineRss);
        config.put("rates_before", before);
        config.put("rates_after", after);
        config.put("rates_used", used);
        config.put("notes", List.of(
                "decode_bandwidth_fraction = (weight matrix bytes + KV bytes read per step) / median step time / read bandwidth",
                "prefill_fma_fraction = (matrix FLOPs of every token + output projection + causal attention FLOPs) / prefill time / FMA peak",
                "rates_used = the better of the probes before and after the sweep, per rate",
                "rss_peak = VmHWM during the point (reset before it via /proc/self/clear_refs when allowed); it includes the JVM"
                        + " (jvm_baseline_rss_bytes) and heap committed by earlier points: measure memory with one point per process",
                "memory_bound_bytes = 1.1 x (weight matrix bytes + one uncompressed layer of the prompt + cache after prefill),"
                        + " to compare with rss_peak_above_jvm (rss_peak - jvm_baseline_rss_bytes)"));
        return config;
    }

    /** Whether the JVM runs with a fixed young generation (-Xmn), which memory measurements want. */
    public static boolean fixedYoungGeneration() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(a -> a.startsWith("-Xmn"));
    }

    /** The CPU model from /proc/cpuinfo, or the JVM's architecture. */
    static String cpuName() {
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
