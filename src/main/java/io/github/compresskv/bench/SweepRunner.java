package io.github.compresskv.bench;

import io.github.compresskv.generate.Sampler;
import io.github.compresskv.generate.Session;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.CompressionReport;
import io.github.compresskv.compress.CompressionSpec;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the points of a {@link BenchPlan} on one model, one after the other on a fresh cache each: a timed prefill
 * (with the method's compressor as prefill observer, streaming or evicting at the end), then untimed warm-up and
 * timed decode steps (greedy). Before the sweep every method runs once on a short prompt, untimed, so the JIT has
 * compiled its code before the first measurement.
 */
public final class SweepRunner {

    /** Makes the compressor of one method (or {@code method+unit}) and budget for {@code prompt} (validating the method's options). */
    @FunctionalInterface
    public interface CompressorFactory {
        KvCompressor create(String method, int budget, int[] prompt);
    }

    /**
     * The factory of a sweep's compressors: {@code method} or {@code method+unit} (a unit label), the budget, the
     * options shared by the sweep; sentence units read the (synthetic) prompt's tokens with {@code tokenizer}.
     */
    public static CompressorFactory compressors(ModelConfig config, CompressionOptions options, Tokenizer tokenizer) {
        return (variant, budget, prompt) -> {
            int plus = variant.indexOf('+');
            String method = plus < 0 ? variant : variant.substring(0, plus);
            SelectionUnit unit = plus < 0 ? SelectionUnit.token() : SelectionUnit.fromLabel(variant.substring(plus + 1));
            return CompressionSpec.of(method, Budget.tokens(budget), options.withUnit(unit).forMethod(method)).compressor(config, tokenizer, prompt);
        };
    }

    /** Called before each point (index from 0) and once more with index = total at the end. */
    @FunctionalInterface
    public interface Progress {
        void at(int index, int total, String message);
    }

    private final Model model;
    private final BenchPlan plan;
    private final CompressorFactory compressors;
    private final Transformer transformer;

    public SweepRunner(Model model, BenchPlan plan, CompressorFactory compressors) {
        this.model = model;
        this.plan = plan;
        this.compressors = compressors;
        this.transformer = model.newTransformer();
        ModelConfig c = model.config();
        if (plan.positionsNeeded() > c.contextLength()) {
            throw new IllegalArgumentException("--contexts: the longest context + --warmup + --gen-tokens = " + plan.positionsNeeded()
                    + " positions, more than the model's context length " + c.contextLength());
        }
    }

    /**
     * Untimed: each method {@code rounds} times on a short prompt (long enough for a compressor to evict), with a few
     * decode steps. More than once, because one short prefill ends before C2 has compiled the matmul micro-kernels and
     * the loops around them (the first timed point would pay for the JIT; docs/performance.md). Each round leaves garbage that a later point's resident memory still
     * holds (ParallelGC does not give the heap back), so memory measurements use one round.
     */
    public void warmUp(int rounds) {
        for (int round = 0; round < rounds; round++) warmUpOnce();
    }

    private void warmUpOnce() {
        int shortest = plan.contexts().stream().mapToInt(Integer::intValue).min().orElseThrow();
        for (String method : plan.methods().stream().distinct().toList()) {
            if (method.equalsIgnoreCase(BenchPlan.FULL)) {
                measure(new BenchPlan.Point(Math.min(shortest, 512), BenchPlan.FULL, null), null, Math.min(plan.warmup(), 4), 4, false);
            } else {
                int b = plan.budgets().getFirst();
                int longest = plan.contexts().stream().mapToInt(Integer::intValue).max().orElseThrow();
                measure(new BenchPlan.Point(Math.min(longest, b + plan.window() + 64), method, b), null, Math.min(plan.warmup(), 4), 4, false);
            }
        }
    }

    /** Runs every point; rates give the roofline fractions. */
    public List<BenchResult> run(MachineRates rates, Progress progress) {
        List<BenchPlan.Point> points = plan.points();
        List<BenchResult> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            BenchPlan.Point p = points.get(i);
            progress.at(i, points.size(), p.label() + " at " + p.context());
            out.add(measure(p, rates, plan.warmup(), plan.genTokens(), true));
        }
        progress.at(points.size(), points.size(), "done");
        return out;
    }

    /** One point; rates may be null (warm-up: fractions NaN). */
    BenchResult measure(BenchPlan.Point p, MachineRates rates, int warmupSteps, int timedSteps, boolean measureMemory) {
        ModelConfig c = model.config();
        int[] prompt = syntheticTokens(p.context(), c.vocab());
        ProcessMemory.Snapshot before = new ProcessMemory.Snapshot(-1, -1, -1, -1);
        boolean reset = false;
        if (measureMemory) {
            System.gc(); // earlier points' garbage out of the heap before the RSS reading
            before = ProcessMemory.read();
            reset = ProcessMemory.resetPeak();
        }
        Session session = new Session(model, plan.kvStorage(), transformer);
        KvCache cache = session.cache();
        boolean compressing = p.budget() != null;
        KvCompressor compressor = compressing ? compressors.create(p.method(), p.budget(), prompt) : null;

        long t0 = System.nanoTime();
        float[] logits = session.prefill(prompt, compressor);
        CompressionReport report = compressing ? session.compress(compressor).report() : null;
        cache.seal(); // a quantized full cache: its rows become codes now (the first decode step would do it)
        double prefillSec = (System.nanoTime() - t0) / 1e9;
        long uncompressed = report != null ? report.bytesBefore() : cache.bytes();
        double compressionSec = report != null ? (report.scoringNanos() + report.selectingNanos()) / 1e9 : 0;
        long afterPrefill = cache.bytes();
        long bound = (long) (1.1 * (model.weights().matrixBytesPerToken()
                + WorkModel.layerKvBytes(c, p.context(), plan.kvStorage().quantized() ? KvStorage.F16 : plan.kvStorage()) + afterPrefill));

        // room for every decode step up front: a growing cache re-allocates, which is not the step's own work
        cache.reserveRows(warmupSteps + timedSteps);
        int token = Sampler.argmax(logits);
        for (int i = 0; i < warmupSteps; i++) token = Sampler.argmax(transformer.decode(cache, token));
        double[] stepMs = new double[timedSteps];
        long kvBytesRead = 0;
        for (int i = 0; i < timedSteps; i++) {
            kvBytesRead += cache.bytes() + kvRowBytes(cache); // the step reads the rows so far and its own new row
            long s = System.nanoTime();
            token = Sampler.argmax(transformer.decode(cache, token));
            stepMs[i] = (System.nanoTime() - s) / 1e6;
        }
        ProcessMemory.Snapshot after = measureMemory ? ProcessMemory.read() : before;

        double medianMs = median(stepMs);
        double minMs = Arrays.stream(stepMs).min().orElse(Double.NaN);
        long bytesPerToken = model.weights().matrixBytesPerToken() + kvBytesRead / timedSteps;
        double decodeGBs = bytesPerToken / (medianMs / 1e3) / 1e9;
        double flops = WorkModel.prefillFlops(c, p.context());
        double gflops = flops / prefillSec / 1e9;
        return new BenchResult(p.context(), p.method(), p.budget(), plan.kvStorage().name(), compressing && plan.streaming(),
                prefillSec, p.context() / prefillSec, flops, gflops, rates == null ? Double.NaN : gflops / rates.fmaGigaflopsPerSecond(),
                compressionSec, compressionSec / prefillSec,
                timedSteps, medianMs, minMs, 1000 / medianMs, bytesPerToken, decodeGBs,
                rates == null ? Double.NaN : decodeGBs / rates.readGigabytesPerSecond(),
                uncompressed, cache.peakBytes(), cache.bytes(),
                before.rss(), after.peakRss(), after.rssAnon(), after.rssFile(), reset, afterPrefill, bound, -1);
    }

    /** Bytes of one new row in every head (a quantized cache: a half-precision residual row). */
    private static long kvRowBytes(KvCache cache) {
        KvStorage s = cache.storage().quantized() ? KvStorage.F16 : cache.storage();
        return (long) cache.layers() * cache.kvHeads() * s.bytesFor(1, cache.headDim());
    }

    /** Deterministic token ids spread over the vocabulary (speed does not depend on which ids). */
    public static int[] syntheticTokens(int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int) ((i * 7919L + 13) % vocab);
        return t;
    }

    /** Median of {@code v} (mean of the two middle values for an even count). */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
