package io.github.compresskv.generate;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.DecodeObserver;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.PostPrefillCompression;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.model.SyntheticModel;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.model.WarmBits;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Sessions with the compression hooks: prefill observers, post-prefill compression, decode-time eviction. */
class SessionCompressionTest {

    private static Model model;
    private static final int[] PROMPT = {3, 17, 42, 5, 9, 77, 1, 30, 12, 8, 64, 21, 2, 50, 33, 19, 7, 70, 45, 11};

    @BeforeAll
    static void load() {
        model = Model.load(new SyntheticModel(SyntheticModel.Spec.of("qwen3").withContext(128), 4), new Parallel(2));
    }

    @AfterAll
    static void close() { model.close(); }

    /** Keeps the last {@code keep} rows of every KV head of a layer (everything when keep ≥ rows). */
    static void keepLast(KvCache cache, int layer, int keep) {
        for (int h = 0; h < cache.kvHeads(); h++) {
            int n = cache.rows(layer, h), k = Math.min(keep, n);
            int[] rows = new int[k];
            for (int i = 0; i < k; i++) rows[i] = n - k + i;
            cache.retain(layer, h, rows);
        }
    }

    /** A streaming recency policy: each layer keeps its last {@code keep} rows as soon as it is done. */
    static PrefillObserver streamingKeepLast(int keep) {
        return new PrefillObserver() {
            @Override public int observationWindow() { return 8; }
            @Override public boolean wantsCumulativeAttention() { return true; }
            @Override public void layerDone(int layer, KvCache cache, int start, int length, float[] q, float[] cum) {
                keepLast(cache, layer, keep);
            }
        };
    }

    /** A post-prefill recency policy over every layer. */
    static PostPrefillCompression finishKeepLast(int keep) {
        return cache -> {
            for (int l = 0; l < cache.layers(); l++) keepLast(cache, l, keep);
        };
    }

    private static float[] ids(int[] tokens) {
        float[] f = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) f[i] = tokens[i];
        return f;
    }

    /** Prefill logits, 10 greedy tokens and the logits after them, with the given compression (nulls: none). */
    private static float[] greedyRun(KvStorage storage, PrefillObserver observer, PostPrefillCompression finish) {
        Session s = new Session(model, storage);
        float[] prefill = s.prefill(PROMPT, observer);
        if (finish != null) s.compress(finish);
        GenerationResult r = s.generate(SamplerConfig.greedy(), StopConditions.maxTokens(10), new SessionTest.IdDecoder(), x -> { });
        return WarmBits.concat(prefill, ids(r.tokenIds()), s.logits());
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void budgetOfTheWholePromptGivesTheFullCacheBitForBit(KvStorage storage) {
        WarmBits.assertSameBits(() -> greedyRun(storage, null, null),
                () -> greedyRun(storage, streamingKeepLast(PROMPT.length), null), storage + " streaming, B = N");
        WarmBits.assertSameBits(() -> greedyRun(storage, null, null),
                () -> greedyRun(storage, streamingKeepLast(1000), finishKeepLast(1000)), storage + " post-prefill, B > N");
    }

    @Test
    void theFirstGeneratedTokenNeverDependsOnWhatIsEvicted() {
        float[] full = greedyRun(KvStorage.F32, null, null);
        int vocab = model.config().vocab();
        for (int keep : new int[] {1, 3, 8}) {
            float[] streamed = greedyRun(KvStorage.F32, streamingKeepLast(keep), null);
            float[] finished = greedyRun(KvStorage.F32, null, finishKeepLast(keep));
            assertEquals(full[vocab], streamed[vocab], "first token, streaming keep " + keep);
            assertEquals(full[vocab], finished[vocab], "first token, post-prefill keep " + keep);
        }
    }

    @Test
    void compressionKeepsThePositionAndForksAnswerSeveralQuestions() {
        int keep = 5, layers = model.config().layers(), kvHeads = model.config().kvHeads();
        Session context = new Session(model, KvStorage.F16);
        context.prefill(PROMPT, null);
        assertEquals(context.cache().bytes(), context.cache().peakBytes());
        context.compress(finishKeepLast(keep));
        long rowBytes = (long) model.config().headDim() * 2 * KvStorage.F16.bytesPerValue();
        assertEquals((long) layers * kvHeads * keep * rowBytes, context.cache().bytes(), "memory is freed, not masked");
        assertEquals(PROMPT.length, context.position(), "positions continue from the true prompt length");
        for (int p : context.cache().head(1, 1).positions()) assertTrue(p >= PROMPT.length - keep);

        int[][] questions = {{4, 4, 9}, {60, 2}};
        List<int[]> answers = new ArrayList<>();
        for (int[] question : questions) {
            Session fork = context.fork();
            fork.append(question);
            assertEquals(PROMPT.length + question.length, fork.position());
            answers.add(fork.generate(SamplerConfig.greedy(), StopConditions.maxTokens(6), new SessionTest.IdDecoder(), x -> { }).tokenIds());
        }
        assertEquals(PROMPT.length, context.position(), "the compressed context is untouched by its forks");
        assertEquals((long) layers * kvHeads * keep * rowBytes, context.cache().bytes());

        // the same question on a fresh copy of the same compressed context gives the same answer
        Session again = context.fork();
        again.append(questions[0]);
        assertArrayEquals(answers.get(0), again.generate(SamplerConfig.greedy(), StopConditions.maxTokens(6),
                new SessionTest.IdDecoder(), x -> { }).tokenIds());
    }

    /** Keeps the last {@code keep} rows of every head every {@code interval} steps; records the largest cache seen. */
    static final class RecencyDecodePolicy implements DecodeObserver {
        final int interval, keep;
        int calls, largestRows;

        RecencyDecodePolicy(int interval, int keep) {
            this.interval = interval;
            this.keep = keep;
        }

        @Override public int interval() { return interval; }

        @Override
        public void afterDecodeSteps(KvCache cache) {
            calls++;
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) largestRows = Math.max(largestRows, cache.rows(l, h));
                keepLast(cache, l, keep);
            }
        }
    }

    @Test
    void decodeObserverKeepsTheCacheBoundedAndEqualsTheSamePolicyByHand() {
        int interval = 4, keep = 6, tokens = 30;
        Session s = new Session(model, KvStorage.F32);
        RecencyDecodePolicy policy = new RecencyDecodePolicy(interval, keep);
        s.decodeObserver(policy);
        s.prefill(PROMPT);
        GenerationResult r = s.generate(SamplerConfig.greedy(), StopConditions.maxTokens(tokens), new SessionTest.IdDecoder(), x -> { });
        assertEquals(tokens, r.generatedTokens());
        int steps = tokens - 1;   // the last sampled token is pending
        assertEquals(steps / interval, policy.calls);
        assertEquals(PROMPT.length + interval, policy.largestRows, "bounded by the prompt + one interval, then keep + interval");
        assertEquals(PROMPT.length + steps, s.position(), "positions continue through evictions");
        int rows = steps % interval == 0 ? keep : keep + steps % interval;
        assertEquals(rows, s.cache().rows(0, 0));
        int[] positions = s.cache().head(1, 0).positions();
        assertEquals(PROMPT.length + steps - 1, positions[positions.length - 1], "the newest row sits at its true position");

        // the same policy applied by hand around a plain decode loop
        Transformer t = model.newTransformer();
        KvCache cache = model.newCache(KvStorage.F32);
        float[] logits = t.prefill(cache, PROMPT);
        int[] expected = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            expected[i] = Sampler.argmax(logits, 0, logits.length);
            if (i == tokens - 1) break;
            logits = t.decode(cache, expected[i]);
            if ((i + 1) % interval == 0) {
                for (int l = 0; l < cache.layers(); l++) keepLast(cache, l, keep);
            }
        }
        assertArrayEquals(expected, r.tokenIds());
    }

    /**
     * Measured in a child JVM, as a decoding process would run it: in the shared test JVM the kernels' call sites have
     * seen every weight type of the other tests, and C2 then sometimes leaves vector code boxed for the whole test
     * (one fresh-clone run allocated 18 KB a step in both runs, and their difference was noise).
     */
    @Test
    void decodeObserverAddsNoAllocationToTheDecodeLoop() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SessionCompressionTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "allocation probe timed out: " + out);
        assertEquals(0, p.exitValue(), "allocation probe failed: " + out);
        int at = out.lastIndexOf("without=");
        assertTrue(at >= 0, out);
        String[] f = out.substring(at).strip().split("\\s+");
        long without = Long.parseLong(f[0].substring("without=".length()));
        long with = Long.parseLong(f[1].substring("with=".length()));
        assertTrue(with <= without + 1024, "100 steps allocate " + with + " bytes with a decode observer, " + without + " without");
    }

    /** Child-JVM entry: prints {@code without=<bytes> with=<bytes>} for 100 decode steps. */
    public static void main(String[] args) {
        load();
        long[] perRun = observerAllocation();
        System.out.println("without=" + perRun[0] + " with=" + perRun[1]);
        System.exit(0); // the pool's workers are not daemons
    }

    private static long[] observerAllocation() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        DecodeObserver noop = new DecodeObserver() {
            @Override public int interval() { return 1; }
            @Override public void afterDecodeSteps(KvCache cache) { }
        };
        long[] perRun = new long[2];
        // the last round counts: rounds until both runs are clean (decode is allocation-free once C2 has compiled
        // the vector kernels; until then they box, on a busy machine compilation lags, and a one-off event such as
        // a deoptimization can allocate a kilobyte once); an observer that allocates per step never gets clean
        for (int round = 0; round < 3 || (round < 40 && (perRun[0] > 100 * 64 || perRun[1] > perRun[0] + 1024)); round++) {
            for (int withObserver = 0; withObserver < 2; withObserver++) {
                Session s = new Session(model, KvStorage.F32);
                if (withObserver == 1) s.decodeObserver(noop);
                s.prefill(PROMPT);
                for (int l = 0; l < model.config().layers(); l++) {
                    for (int h = 0; h < model.config().kvHeads(); h++) s.cache().head(l, h).reserve(PROMPT.length + 100);
                }
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < 100; i++) s.step(7);
                perRun[withObserver] = threads.getThreadAllocatedBytes(id) - before;
            }
        }
        return perRun;
    }
}
