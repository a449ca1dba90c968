package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class KvCompressorTest {
    private static final int L = 4, H = 8, KV = 2, D = 8, N = 80;

    @TempDir
    Path dir;

    private CompressionOptions options(boolean streaming) throws IOException {
        Path heads = dir.resolve("heads.json"), layers = dir.resolve("layers.json");
        Files.writeString(heads, "{\"0\": [1, 5, 2, 0], \"1\": [7, 6, 0, 1], \"2\": [3, 4, 2, 1], \"3\": [0, 1, 2, 3]}");
        Files.writeString(layers, "{\"avg_score\": [0.1, 0.4, 0.3, 0.2]}");
        return CompressionOptions.defaults().withProfiles(heads, layers).withStreaming(streaming);
    }

    /** Runs a layer-major "prefill": layer l's rows are appended (copied from {@code src}), then layerDone(l). */
    static CompressionReport run(KvCompressor c, TestLayer src, KvCache into, float[][] cumulative) {
        float[] k = new float[src.headDim], v = new float[src.headDim];
        int start = into.nextPosition();
        into.stage(); // as a prefill does (quantized caches: scores read the rows before they become codes)
        for (int l = 0; l < src.layers; l++) {
            for (int g = 0; g < src.kvHeads; g++) {
                for (int r = 0; r < src.n; r++) {
                    src.cache.head(l, g).readKey(r, k, 0);
                    src.cache.head(l, g).readValue(r, v, 0);
                    into.append(l, g, k, 0, v, 0, start + r);
                }
            }
            c.layerDone(l, into, start, src.n, src.queries[l], cumulative == null ? null : cumulative[l]);
        }
        into.advance(src.n);
        return c.finish(into);
    }

    private static float[][] cumulative(TestLayer t, int rows) {
        Random r = new Random(3);
        float[][] cum = new float[t.layers][t.heads * rows];
        for (float[] c : cum) for (int i = 0; i < c.length; i++) c[i] = r.nextFloat();
        return cum;
    }

    private static TestLayer source(KvStorage storage) { return new TestLayer(L, H, KV, D, N, 8, 5, storage); }

    @Test
    void budgetAtLeastThePromptEvictsNothingForEveryMethod() throws IOException {
        TestLayer src = source(KvStorage.F32);
        for (CompressionMethod m : CompressionMethods.all()) {
            KvCache cache = new KvCache(L, KV, D, KvStorage.F32);
            CompressionReport rep = run(KvCompressor.create(m, Budget.tokens(N), src.config(), options(false)), src, cache, cumulative(src, N));
            assertEquals(src.cache.bytes(), cache.bytes(), m.name());
            assertEquals(rep.bytesBefore(), rep.bytesAfter(), m.name());
            for (int l = 0; l < L; l++) for (int g = 0; g < KV; g++) assertArrayEquals(src.cache.head(l, g).positions(), cache.head(l, g).positions());
        }
    }

    @Test
    void memoryAccountingAndKeptRowsForEveryMethod() throws IOException {
        for (KvStorage storage : KvStorage.values()) {
            TestLayer src = source(storage);
            for (CompressionMethod m : CompressionMethods.all()) {
                if (m.reconstructs()) continue; // kvzip scores by its own pass, not a prefill: ContextReconstructionTest
                KvCache cache = new KvCache(L, KV, D, storage);
                CompressionReport rep = run(KvCompressor.create(m, Budget.tokens(40), src.config(), options(false)), src, cache, cumulative(src, N));
                long expected = 0;
                for (int l = 0; l < L; l++) for (int g = 0; g < KV; g++) {
                    assertEquals(cache.rows(l, g), rep.keptRows()[l][g]);
                    expected += storage.bytesFor(cache.rows(l, g), D);
                    int[] pos = cache.head(l, g).positions();
                    for (int i = 0; i < 8; i++) assertEquals(N - 8 + i, pos[pos.length - 8 + i], m.name() + ": window kept");
                    // kept rows keep their original positions and contents
                    float[] a = new float[D], b = new float[D];
                    for (int i = 0; i < pos.length; i++) {
                        cache.head(l, g).readKey(i, a, 0);
                        src.cache.head(l, g).readKey(pos[i], b, 0);
                        // quantized: the kept rows are quantized in groups of their own (exact round trips: QuantizedHeadRowsTest)
                        assertArrayEquals(b, a, storage == KvStorage.Q4 ? 0.6f : storage == KvStorage.Q8 ? 0.05f : 0f);
                    }
                }
                assertEquals(expected, cache.bytes(), m.name());
                assertEquals(expected, rep.bytesAfter());
                assertEquals(src.cache.bytes(), rep.bytesBefore());
                long total = Arrays.stream(rep.keptRows()).flatMapToInt(Arrays::stream).sum();
                switch (m.name()) {
                    case "full" -> assertEquals((long) L * KV * N, total);
                    case "pyramidkv" -> { }
                    default -> assertEquals((long) L * KV * 40, total, m.name() + " keeps L·H·B rows");
                }
            }
        }
    }

    @Test
    void compressKvUsesOneSetPerLayerAndTheErrorAwareBudgets() throws IOException {
        TestLayer src = source(KvStorage.F32);
        KvCache cache = new KvCache(L, KV, D, KvStorage.F32);
        CompressionReport rep = run(KvCompressor.create(CompressionMethods.byName("compresskv"), Budget.tokens(40), src.config(), options(false)), src, cache, null);
        // L=4, B=40, m=32, R=32: ẽ·R = 3.2, 12.8, 9.6, 6.4 → 35 45 42 38 (Σ 160)
        assertArrayEquals(new int[]{35, 45, 42, 38}, rep.layerBudgets());
        for (int l = 0; l < L; l++) {
            assertEquals(rep.layerBudgets()[l], cache.rows(l, 0));
            assertArrayEquals(cache.head(l, 0).positions(), cache.head(l, 1).positions(), "one index set shared by the layer's KV heads");
        }
    }

    @Test
    void streamingGivesTheSameCacheWithALowerPeak() throws IOException {
        TestLayer src = source(KvStorage.F32);
        for (String name : new String[]{"snapkv", "compresskv", "adakv", "cake", "pyramidkv", "h2o"}) {
            KvCache once = new KvCache(L, KV, D, KvStorage.F32), streamed = new KvCache(L, KV, D, KvStorage.F32);
            CompressionMethod m = CompressionMethods.byName(name);
            CompressionReport a = run(KvCompressor.create(m, Budget.tokens(24), src.config(), options(false)), src, once, cumulative(src, N));
            CompressionReport b = run(KvCompressor.create(m, Budget.tokens(24), src.config(), options(true)), src, streamed, cumulative(src, N));
            for (int l = 0; l < L; l++) for (int g = 0; g < KV; g++) {
                assertArrayEquals(once.head(l, g).positions(), streamed.head(l, g).positions(), name + " layer " + l + " head " + g);
            }
            assertEquals(a.bytesAfter(), b.bytesAfter());
            assertEquals(src.cache.bytes(), a.peakBytes(), name + ": without streaming the whole prompt is held");
            assertTrue(b.peakBytes() < a.peakBytes(), name + ": streaming peak " + b.peakBytes() + " vs " + a.peakBytes());
        }
    }

    @Test
    void appendedPrefillOnlyEvictsItsOwnRows() throws IOException {
        TestLayer first = new TestLayer(L, H, KV, D, 30, 8, 1, KvStorage.F32);
        TestLayer second = new TestLayer(L, H, KV, D, 50, 8, 2, KvStorage.F32);
        KvCache cache = new KvCache(L, KV, D, KvStorage.F32);
        run(KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.tokens(16), first.config(), options(false)), first, cache, null);
        int[] before = cache.head(2, 1).positions();
        run(KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.tokens(16), second.config(), options(false)), second, cache, null);
        int[] after = cache.head(2, 1).positions();
        assertEquals(before.length + 16, after.length);
        assertArrayEquals(before, Arrays.copyOf(after, before.length));
        for (int i = before.length; i < after.length; i++) assertTrue(after[i] >= 30);
        assertEquals(79, after[after.length - 1]);
    }

    @Test
    void ratioBudgetsFollowThePromptLength() throws IOException {
        TestLayer src = source(KvStorage.F32);
        KvCache cache = new KvCache(L, KV, D, KvStorage.F32);
        run(KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.ratio(0.75), src.config(), options(false)), src, cache, null);
        assertEquals(20, cache.rows(0, 0)); // round(0.25 · 80)
    }

    @Test
    void observerContract() throws IOException {
        TestLayer src = source(KvStorage.F32);
        assertTrue(KvCompressor.create(CompressionMethods.byName("h2o"), Budget.tokens(24), src.config(), options(false)).wantsCumulativeAttention());
        assertFalse(KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.tokens(24), src.config(), options(false)).wantsCumulativeAttention());
        assertEquals(8, KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.tokens(24), src.config(), options(false)).observationWindow());
        assertEquals(0, KvCompressor.create(CompressionMethods.byName("full"), Budget.tokens(24), src.config(), options(false)).observationWindow());
    }
}
