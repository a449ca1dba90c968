package io.github.compresskv.compress;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection of whole units (chunks, sentences) by every selector: budgets met row for row, needles kept whole. */
class UnitSelectionTest {
    static final int W = 8;

    /** Haystack scores with a 12-token needle at [40, 52) whose FIRST token holds the top score, the rest mid-level. */
    static float[] needleScores(int n) {
        Random r = new Random(7);
        float[] s = new float[n];
        for (int j = 0; j < n; j++) s[j] = r.nextFloat() * 0.1f;
        s[40] = 5f;
        for (int j = 41; j < 52; j++) s[j] = 0.05f; // the window attends where the answer starts, not to all of it
        return s;
    }

    /** Sentence-like ids: a unit per 12 tokens of haystack, the needle [40, 52) one sentence. */
    static int[] sentenceIds(int n) {
        int[] ids = new int[n];
        for (int j = 0; j < n; j++) ids[j] = j < 40 ? j / 10 : j < 52 ? 100 : 200 + (j - 52) / 12;
        return ids;
    }

    static boolean keepsAll(int[] kept, int from, int to) {
        for (int j = from; j < to; j++) if (Arrays.binarySearch(kept, j) < 0) return false;
        return true;
    }

    @Test
    void aPlantedNeedleIsKeptWholeByChunkAndSentenceUnitsAndCutByTokens() {
        int n = 200, budget = 24; // 16 candidate rows: the needle (12) fits, with room for one more unit's worth
        float[] s = needleScores(n);
        LayerScores scores = LayerScores.perHead(new float[][]{s, s});
        int[][] byToken = new PerHeadTopKSelector().select(scores, budget, n + W, W, 2);
        assertTrue(Arrays.binarySearch(byToken[0], 40) >= 0, "token units keep the top-scored first token");
        assertFalse(keepsAll(byToken[0], 40, 52), "token units cut the needle: " + Arrays.toString(byToken[0]));

        int[] chunkIds = IntStream.range(0, n).map(j -> (j - 36) < 0 ? -1 : (j - 36) / 16).toArray(); // a chunk grid that holds the needle
        CandidateUnits chunks = CandidateUnits.of(new int[][]{chunkIds}, SelectionUnit.Aggregation.SUM);
        CandidateUnits sentences = CandidateUnits.of(new int[][]{sentenceIds(n)}, SelectionUnit.Aggregation.SUM);
        for (CandidateUnits u : new CandidateUnits[]{chunks, sentences}) {
            for (Selector sel : new Selector[]{new PerHeadTopKSelector(), new SharedTopKSelector(), new AdaKvSelector(0.2)}) {
                int[][] kept = sel.select(scores, u, budget, n + W, W, 2);
                int total = 0;
                for (int[] k : kept) {
                    assertTrue(keepsAll(k, 40, 52), sel.getClass().getSimpleName() + " lost part of the needle: " + Arrays.toString(k));
                    if (!(sel instanceof AdaKvSelector)) assertEquals(budget, k.length, sel.getClass().getSimpleName());
                    total += k.length;
                }
                assertEquals(2 * budget, total, sel.getClass().getSimpleName() + ": the layer's budget"); // Ada-KV moves rows between heads
            }
        }
    }

    @Test
    void theLastUnitIsCutToItsBestRows() {
        float[] s = {0, 2, 0, 1, 9, 9, 1, 0, 5, 5};
        int[] ids = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1}; // unit 0 (sum 22) ranks first but 8 rows do not fit in 3
        assertArrayEquals(new int[]{1, 4, 5}, UnitTopK.best(s, ids, 3, SelectionUnit.Aggregation.SUM));
        // mean: unit 1 (5.0) beats unit 0 (2.75): taken whole, then unit 0's best row
        assertArrayEquals(new int[]{4, 8, 9}, UnitTopK.best(s, ids, 3, SelectionUnit.Aggregation.MEAN));
        // rows evicted earlier (−∞) belong to no unit
        float[] masked = s.clone();
        masked[4] = Float.NEGATIVE_INFINITY;
        assertArrayEquals(new int[]{1, 5}, UnitTopK.best(masked, ids, 2, SelectionUnit.Aggregation.SUM));
    }

    @Property(tries = 200)
    void selectionsOfTwoBudgetsAreNested(@ForAll("cases") Case c) {
        int prompt = c.n() + W, heads = c.scores().length;
        if (prompt <= c.budget() || c.budget() <= W) return;
        CandidateUnits u = CandidateUnits.of(c.ids(), c.aggregation());
        for (int sel = 0; sel < 2; sel++) {
            int[][] big = selector(sel).select(LayerScores.perHead(c.scores()), u, c.budget(), prompt, W, heads);
            int[][] small = selector(sel).select(LayerScores.perHead(c.scores()), u, W + (c.budget() - W) / 2, prompt, W, heads);
            for (int g = 0; g < heads; g++) for (int j : small[g]) assertTrue(Arrays.binarySearch(big[g], j) >= 0, "nested at head " + g);
        }
    }

    @Test
    void longSentencesAreSplitIntoNearEqualPieces() {
        int[] ids = {0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2};
        // 7 tokens with cap 3: 3 pieces of 3/2/2 (near-equal), then the 1-token unit, then 3 tokens fit
        assertArrayEquals(new int[]{0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 4}, CandidateUnits.splitLong(ids, 3));
    }

    @Test
    void unitNamesAndLabels() {
        assertEquals("chunk10", SelectionUnit.parse("chunk", 10, 32).label());
        assertEquals("sentence", SelectionUnit.parse("Sentence", 10, SelectionUnit.DEFAULT_SENTENCE_CAP).label());
        assertEquals("sentence32", SelectionUnit.parse("sentence", 10, 32).label());
        assertEquals("sentence16-mean", SelectionUnit.sentence(16).withAggregation(SelectionUnit.Aggregation.MEAN).label());
        for (String l : new String[]{"token", "chunk7", "sentence", "sentence16-mean", "chunk10-mean"}) {
            assertEquals(l, SelectionUnit.fromLabel(l).label());
        }
        CompressionException e = assertThrows(CompressionException.class, () -> SelectionUnit.parse("paragraph", 10, 32));
        assertTrue(e.getMessage().contains("--unit"), e.getMessage());
        assertTrue(assertThrows(CompressionException.class, () -> SelectionUnit.chunk(0)).getMessage().contains("--chunk-size"));
    }

    @Test
    void unitsDoNotApplyToMethodsWithoutContentScores() {
        for (String m : new String[]{"full", "streamingllm", "random"}) {
            CompressionException e = assertThrows(CompressionException.class,
                    () -> KvCompressor.requireUnitApplies(CompressionMethods.byName(m), SelectionUnit.sentence(32)));
            assertTrue(e.getMessage().startsWith("--unit sentence"), e.getMessage());
        }
        KvCompressor.requireUnitApplies(CompressionMethods.byName("streamingllm"), SelectionUnit.token());
        for (String m : new String[]{"snapkv", "pyramidkv", "adakv", "cake", "h2o", "tova", "knorm", "compresskv", "compresskv-srh", "compresskv-alloc"}) {
            KvCompressor.requireUnitApplies(CompressionMethods.byName(m), SelectionUnit.chunk(10));
        }
    }

    // ---- properties over random budgets, lengths and units ----

    record Case(float[][] scores, int[][] ids, int budget, int n, int selector, SelectionUnit.Aggregation aggregation) {}

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.integers().between(1, 300), Arbitraries.integers().between(W, 320),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 2), Arbitraries.longs(),
                Arbitraries.integers().between(1, 40), Arbitraries.of(SelectionUnit.Aggregation.values())).as((n, budget, heads, selector, seed, unitLen, agg) -> {
            Random r = new Random(seed);
            float[][] s = new float[heads][n];
            for (float[] row : s) for (int j = 0; j < n; j++) row[j] = r.nextInt(4) == 0 ? r.nextInt(3) : r.nextFloat();
            int[][] ids = new int[heads][n];
            for (int g = 0; g < heads; g++) {
                int id = 0;
                for (int j = 0; j < n; j++) {
                    if (j > 0 && r.nextInt(unitLen) == 0) id++;
                    ids[g][j] = id;
                }
            }
            return new Case(s, ids, budget, n, selector, agg);
        });
    }

    static Selector selector(int i) {
        return switch (i) { case 0 -> new PerHeadTopKSelector(); case 1 -> new SharedTopKSelector(); default -> new AdaKvSelector(0.2); };
    }

    @Property(tries = 300)
    void neverOverBudgetWindowKeptPositionsSortedAndUnique(@ForAll("cases") Case c) {
        int heads = c.scores().length, prompt = c.n() + W;
        int[][] kept = selector(c.selector()).select(LayerScores.perHead(c.scores()), CandidateUnits.of(c.ids(), c.aggregation()),
                c.budget(), prompt, W, heads);
        if (prompt <= c.budget()) {
            assertEquals(null, kept);
            return;
        }
        long total = 0;
        for (int[] k : kept) {
            for (int i = 1; i < k.length; i++) assertTrue(k[i] > k[i - 1], "sorted and unique: " + Arrays.toString(k));
            for (int i = 0; i < W; i++) assertEquals(c.n() + i, k[k.length - W + i], "window kept");
            if (c.selector() != 2) assertEquals(c.budget(), k.length, "exactly the budget");
            total += k.length;
        }
        assertEquals((long) heads * c.budget(), total, "the layer's total budget, row for row");
    }

    @Property(tries = 200)
    void singleTokenUnitsSelectExactlyWhatTokenSelectionDoes(@ForAll("cases") Case c) {
        int heads = c.scores().length, prompt = c.n() + W;
        int[][] perToken = new int[heads][];
        for (int g = 0; g < heads; g++) perToken[g] = IntStream.range(0, c.n()).toArray();
        for (int sel = 0; sel < 2; sel++) { // Ada-KV's token path ranks ties across heads by a packed key; compared in SelectorTest
            int[][] a = selector(sel).select(LayerScores.perHead(c.scores()), c.budget(), prompt, W, heads);
            int[][] b = selector(sel).select(LayerScores.perHead(c.scores()), CandidateUnits.of(perToken, SelectionUnit.Aggregation.SUM),
                    c.budget(), prompt, W, heads);
            if (a == null) { assertEquals(null, b); continue; }
            for (int g = 0; g < heads; g++) assertArrayEquals(a[g], b[g]);
        }
    }

}
