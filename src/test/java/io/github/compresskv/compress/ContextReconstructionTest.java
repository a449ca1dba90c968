package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.model.SyntheticModel;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconstruction pass on a tiny random model (GQA 8:2, q/k norm): its repeat inputs, scores equal to a
 * double-precision re-computation from the queries and keys the model itself produces for each chunk, a cache left
 * exactly as it was, and kvzip's eviction from those scores through the ordinary selector and budget.
 */
class ContextReconstructionTest {
    static final int N = 45, CHUNK = 16, BOS = 1;
    static final int[] FIRST = {5, 6, 7}, NEXT = {8, 9}, SUFFIX = {10};
    static Model model;

    @BeforeAll
    static void load() { model = Model.load(new SyntheticModel(SyntheticModel.Spec.of("qwen3").withContext(256), 3), new Parallel(2)); }

    @AfterAll
    static void close() { model.close(); }

    static int[] context() {
        SplittableRandom r = new SplittableRandom(7);
        int[] t = new int[N];
        t[0] = BOS;
        for (int i = 1; i < N; i++) t[i] = 2 + r.nextInt(model.config().vocab() - 2);
        return t;
    }

    static ContextReconstruction reconstruction() { return new ContextReconstruction(model, FIRST, NEXT, SUFFIX, BOS, CHUNK); }

    static KvCache prefilled(int[] context) {
        KvCache cache = model.newCache(KvStorage.F32);
        model.newTransformer().prefill(cache, context);
        return cache;
    }

    @Test
    void repeatInputsFollowTheAuthorsLayout() {
        int[] c = context();
        ContextReconstruction rec = reconstruction();
        int[] first = rec.repeatInput(c, 0, 16);
        int[] expected = new int[4 + 15];
        System.arraycopy(new int[] {5, 6, 7, 10}, 0, expected, 0, 4);
        System.arraycopy(c, 1, expected, 4, 15);
        assertArrayEquals(expected, first, "first chunk: prompt, separator, the chunk without its BOS");
        int[] second = rec.repeatInput(c, 16, 32);
        assertArrayEquals(new int[] {8, 9}, Arrays.copyOfRange(second, 0, 2));
        assertArrayEquals(Arrays.copyOfRange(c, 8, 16), Arrays.copyOfRange(second, 2, 10), "the previous chunk's last 8 tokens");
        assertEquals(10, second[10]);
        assertArrayEquals(Arrays.copyOfRange(c, 16, 32), Arrays.copyOfRange(second, 11, second.length));
    }

    /** Re-runs one chunk on a copy of the cache and computes its maxima in double from the model's own queries and keys. */
    static final class Reference implements PrefillObserver {
        final int m, from, to, sinkEnd;
        final double[][][] best; // [layer][kvHead][N]

        Reference(int m, int from, int to, double[][][] best) {
            this.m = m;
            this.from = from;
            this.to = to;
            this.sinkEnd = Math.min(4, from);
            this.best = best;
        }

        @Override public int observationWindow() { return m; }

        @Override
        public void layerDone(int layer, KvCache cache, int promptStart, int promptLength, float[] q, float[] cum) {
            int heads = model.config().heads(), group = heads / cache.kvHeads(), d = cache.headDim();
            assertEquals(N, promptStart);
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                for (int i = 0; i < m; i++) {
                    List<Integer> rows = new ArrayList<>();
                    for (int r = 0; r < sinkEnd; r++) rows.add(r);
                    for (int r = from; r < to; r++) rows.add(r);
                    for (int r = N; r <= N + i; r++) rows.add(r);
                    double[] z = new double[rows.size()];
                    double max = Double.NEGATIVE_INFINITY;
                    float[] k = new float[d];
                    for (int a = 0; a < z.length; a++) {
                        cache.head(layer, g).readKey(rows.get(a), k, 0);
                        double dot = 0;
                        for (int e = 0; e < d; e++) dot += (double) q[(h * m + i) * d + e] * k[e];
                        z[a] = dot / Math.sqrt(d);
                        max = Math.max(max, z[a]);
                    }
                    double sum = 0;
                    for (double x : z) sum += Math.exp(x - max);
                    for (int j = from; j < to; j++) {
                        best[layer][g][j] = Math.max(best[layer][g][j], Math.exp(z[sinkEnd + j - from] - max) / sum);
                    }
                }
            }
        }
    }

    @Test
    void scoresMatchADoublePrecisionReferenceChunkByChunk() {
        int[] c = context();
        KvCache cache = prefilled(c);
        ContextReconstruction rec = reconstruction();
        ReconstructionScorer s = rec.score(cache, c);
        assertEquals(3, s.chunks(), "45 tokens in chunks of 16");
        int layers = model.config().layers(), kvHeads = model.config().kvHeads();
        double[][][] ref = new double[layers][kvHeads][N];
        int tokens = 0;
        for (int from = 0; from < N; from += CHUNK) {
            int to = Math.min(N, from + CHUNK);
            int[] input = rec.repeatInput(c, from, to);
            tokens += input.length;
            Transformer t = model.newTransformer();
            t.prefill(cache.copy(), input, new Reference(input.length, from, to, ref));
        }
        assertEquals(tokens, s.passTokens());
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) {
                for (int j = 0; j < N; j++) {
                    double e = ref[l][g][j];
                    assertTrue(e > 0, "every context row is scored by its chunk");
                    assertEquals(e, s.score(l, g, j), 1e-5 + 1e-4 * e, "layer " + l + " KV head " + g + " row " + j);
                }
            }
        }
    }

    @Test
    void thePassLeavesTheCacheAsItWas() {
        int[] c = context();
        KvCache cache = prefilled(c);
        KvCache before = cache.copy();
        reconstruction().score(cache, c);
        assertEquals(N, cache.nextPosition());
        float[] a = new float[cache.headDim()], b = new float[cache.headDim()];
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                assertEquals(N, cache.rows(l, g));
                assertArrayEquals(before.head(l, g).positions(), cache.head(l, g).positions());
                for (int r = 0; r < N; r++) {
                    before.head(l, g).readKey(r, a, 0);
                    cache.head(l, g).readKey(r, b, 0);
                    assertArrayEquals(a, b);
                    before.head(l, g).readValue(r, a, 0);
                    cache.head(l, g).readValue(r, b, 0);
                    assertArrayEquals(a, b);
                }
            }
        }
        // and the next token's logits are those of the untouched sequence
        assertArrayEquals(model.newTransformer().decode(before, 3).clone(), model.newTransformer().decode(cache, 3).clone());
    }

    @Test
    void kvzipEvictsFromTheScoresWithTheOrdinarySelector() {
        int[] c = context();
        KvCache cache = prefilled(c);
        ReconstructionScorer s = reconstruction().score(cache, c);
        CompressionOptions o = CompressionOptions.defaults();
        int budget = 20, w = o.window();
        KvCompressor k = s.compressor(CompressionMethods.byName("kvzip"), Budget.tokens(budget), model.config(), o);
        CompressionReport r = s.compress(k, cache);
        assertTrue(r.bytesAfter() < r.bytesBefore());
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                int[] pos = cache.head(l, g).positions();
                assertEquals(budget, pos.length, "exactly the budget per KV head");
                for (int i = 0; i < w; i++) assertEquals(N - w + i, pos[budget - w + i], "the window is kept");
                // the kept candidates are the best-scored ones
                float[] scores = new float[N - w];
                for (int j = 0; j < N - w; j++) scores[j] = s.score(l, g, j);
                float[] sorted = scores.clone();
                Arrays.sort(sorted);
                float threshold = sorted[sorted.length - (budget - w)];
                for (int i = 0; i < budget - w; i++) assertTrue(scores[pos[i]] >= threshold, "layer " + l + " head " + g + " keeps " + pos[i]);
            }
        }
    }

    @Test
    void withoutAPassKvzipRefusesToScore() {
        TestLayer t = new TestLayer(4, 2, 8, 30, 8, 1);
        KvCompressor k = KvCompressor.create(CompressionMethods.byName("kvzip"), Budget.tokens(10), t.config(), CompressionOptions.defaults());
        CompressionException e = assertThrows(CompressionException.class,
                () -> k.layerDone(0, t.cache, 0, 30, t.queries[0], null));
        assertTrue(e.getMessage().contains("--question-agnostic"), e.getMessage());
        assertTrue(CompressionMethods.byName("kvzip").reconstructs());
        assertTrue(CompressionMethods.all().stream().filter(CompressionMethod::reconstructs).map(CompressionMethod::name).toList().equals(List.of("kvzip")));
    }

    @Test
    void refusesACompressedOrForeignCache() {
        int[] c = context();
        KvCache cache = prefilled(c);
        ContextReconstruction rec = reconstruction();
        assertThrows(IllegalArgumentException.class, () -> rec.score(cache, Arrays.copyOf(c, N - 1)));
        int[] keep = new int[N - 5];
        for (int i = 0; i < keep.length; i++) keep[i] = i;
        cache.retain(0, 0, keep);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rec.score(cache, c));
        assertTrue(e.getMessage().contains("compressed"), e.getMessage());
    }
}
