package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.convert.ModelShape;
import io.github.compresskv.convert.SyntheticModelWriter;
import io.github.compresskv.tensor.GgmlType;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state decode allocates nothing on the heap, on the calling thread nor on the pool's workers: a decode
 * loop that allocates per token feeds the GC for nothing and, at tens of KB per step, shows up in latency.
 *
 * <p>Counted with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} for the caller and every
 * {@code compresskv-worker-*} thread, in windows of 32 steps after 200 warm-up steps, until one window is clean
 * (up to a minute, a fresh cache every 150 windows): until C2 has compiled a kernel, interpreted or C1 code boxes every vector, and on a busy machine
 * compilation lags. A real per-step allocation (even one small object per parallel loop) is in every window. The
 * cache is reserved up front: a growing cache allocates by design (amortized, not the step's own work).
 * Tolerance 64 bytes per step on average: the counters are exact per thread, but a one-off event in the window
 * (a deoptimization, a lazily initialized class) can allocate a few hundred bytes once.
 *
 * <p>Each configuration is measured in a child JVM, as a decoding process would run: inside the shared test JVM
 * the kernels' call sites have already seen every weight type of the other tests, and C2 then sometimes leaves
 * vector code boxed for long stretches (one full-suite run on a fresh clone never reached a clean window).
 */
class DecodeAllocationTest {

    private static final int WARM = 200, WINDOW = 32, WINDOWS = 150;
    /** Room for the prompt and either the warm-up or a cache's windows. */
    private static final int CONTEXT = 16 + Math.max(WARM, WINDOW * WINDOWS) + 64;
    /** How long the child looks for a clean window (its parent waits 120 s for it). */
    private static final int CLEAN_WINDOW_SECONDS = 60;
    private static final int[] PROMPT = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    /** Big enough that matvecs, attention and the FFN run split over both threads. */
    private static ModelShape shape(String arch) {
        return new ModelShape("alloc-test", arch, 256, 2, 8, 2, 32, 512, 1024, CONTEXT, 10000f, arch.equals("qwen2"), arch.equals("qwen2"));
    }

    @ParameterizedTest
    @CsvSource({"qwen2, Q8_0, F32", "llama, Q4_0, F16", "llama, Q5_0, F16", "llama, F16, F32", "llama, Q8_0, Q4"})
    void steadyStateDecodeAllocatesNothing(String arch, GgmlType type, KvStorage kv, @TempDir Path dir) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DecodeAllocationTest.class.getName(), arch, type.name(), kv.name(), dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "allocation probe timed out: " + out);
        assertEquals(0, p.exitValue(), "allocation probe failed: " + out);
        int at = out.lastIndexOf("best=");
        assertTrue(at >= 0, out);
        double best = Double.parseDouble(out.substring(at + 5).strip().split("\\s+")[0]);
        assertTrue(best <= 64, type + " weights, " + kv + " KV: the cleanest window of " + WINDOW + " decode steps allocated "
                + best + " bytes per step over the caller and the pool's workers");
    }

    /** Child-JVM entry: {@code ARCH TYPE KV DIR}; prints {@code best=<bytes per step of the cleanest window>}. */
    public static void main(String[] args) throws Exception {
        System.out.println("best=" + cleanestWindowBytesPerStep(args[0], GgmlType.valueOf(args[1]), KvStorage.valueOf(args[2]), Path.of(args[3])));
        System.exit(0); // the pool's workers are not daemons
    }

    static double cleanestWindowBytesPerStep(String arch, GgmlType type, KvStorage kv, Path dir) throws Exception {
        Path file = dir.resolve("m.gguf");
        new SyntheticModelWriter(p -> {}).write(shape(arch), type, 3, file);
        try (Model model = Model.load(io.github.compresskv.format.ModelSources.open(file), new Parallel(2))) {
            Transformer t = model.newTransformer();
            KvCache cache = model.newCache(kv);
            cache.reserveRows(16 + WARM);
            t.prefill(cache, PROMPT);
            int token = 17;
            for (int i = 0; i < WARM; i++) token = next(t.decode(cache, token));

            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] ids = threadIds();
            // windows until one is clean: C2 may still be compiling (the machine is shared, and in a full suite it
            // was still compiling after 150 windows once), and code that is not compiled yet boxes vectors; a real
            // per-step allocation never gives a clean window. When a cache is full a new one is started, outside the
            // windows, until a time limit.
            double best = Double.MAX_VALUE;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLEAN_WINDOW_SECONDS);
            while (best > 64 && System.nanoTime() < deadline) {
                cache = model.newCache(kv);
                cache.reserveRows(PROMPT.length + WINDOW * WINDOWS);
                t.prefill(cache, PROMPT);
                for (int w = 0; w < WINDOWS && best > 64; w++) {
                    long before = sum(mx.getThreadAllocatedBytes(ids));
                    for (int i = 0; i < WINDOW; i++) token = next(t.decode(cache, token));
                    long after = sum(mx.getThreadAllocatedBytes(ids));
                    best = Math.min(best, (after - before) / (double) WINDOW);
                }
            }
            return best;
        }
    }

    private static int next(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** The caller and the pool's workers. */
    private static long[] threadIds() {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith("compresskv-worker-")) ids.add(th.threadId());
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) s += Math.max(0, x);
        return s;
    }
}
