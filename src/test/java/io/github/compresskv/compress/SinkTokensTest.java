package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** --sink-tokens: the first positions are kept in every head, within the budget, whatever the scores and units. */
class SinkTokensTest {
    private static final int L = 2, H = 8, KV = 2, D = 8, N = 120, W = 8;

    /** Scores that never rank the first tokens: they rise with the position (the recent text wins). */
    private static Scorer risingScores(boolean shared) {
        return t -> {
            float[] row = new float[t.candidates()];
            for (int j = 0; j < row.length; j++) row[j] = j;
            return shared ? LayerScores.shared(row) : LayerScores.perHead(new float[][]{row.clone(), row.clone()});
        };
    }

    private static int[][] keptPositions(KvCache cache, int layer) {
        int[][] out = new int[cache.kvHeads()][];
        for (int g = 0; g < cache.kvHeads(); g++) {
            out[g] = new int[cache.rows(layer, g)];
            for (int i = 0; i < out[g].length; i++) out[g][i] = cache.head(layer, g).position(i);
        }
        return out;
    }

    private static int[][] compress(Scorer scorer, Selector selector, int budget, int sinks, SelectionUnit unit) {
        TestLayer src = new TestLayer(L, H, KV, D, N, W, 11, KvStorage.F32);
        KvCache cache = new KvCache(L, KV, D, KvStorage.F32);
        CompressionOptions o = CompressionOptions.defaults().withUnit(unit).withSinkTokens(sinks);
        KvCompressor c = new KvCompressor("test", new CompressionPolicy(scorer, selector, new UniformAllocator()), Budget.tokens(budget), src.config(), o);
        KvCompressorTest.run(c, src, cache, null);
        return keptPositions(cache, L - 1);
    }

    @Test
    void sinksAreKeptInEveryHeadWithinTheBudgetBySharedAndPerHeadSelectors() {
        for (boolean shared : new boolean[]{true, false}) {
            Selector sel = shared ? new SharedTopKSelector() : new PerHeadTopKSelector();
            int[][] without = compress(risingScores(shared), sel, 32, 0, SelectionUnit.token());
            int[][] with = compress(risingScores(shared), sel, 32, 4, SelectionUnit.token());
            for (int g = 0; g < KV; g++) {
                assertEquals(88, without[g][0], "without sinks the top-24 are the last candidates");
                assertEquals(32, with[g].length, "exactly the budget");
                assertArrayEquals(new int[]{0, 1, 2, 3}, Arrays.copyOf(with[g], 4), Arrays.toString(with[g]));
                assertEquals(92, with[g][4], "the sinks take 4 of the 24 selected rows: " + Arrays.toString(with[g]));
            }
        }
    }

    @Test
    void withUnitsTheSinksAreUnitsOfTheirOwnAndTheirUnitIsNotTakenWhole() {
        // ten-token chunks: the first holds the sinks and six tokens that score lowest
        int[][] kept = compress(risingScores(true), new SharedTopKSelector(), 32, 4, SelectionUnit.of("chunk", 10, 48, "sum"));
        for (int[] k : kept) {
            assertEquals(32, k.length);
            assertArrayEquals(new int[]{0, 1, 2, 3, 90}, Arrays.copyOf(k, 5), "whole chunks after the sinks: " + Arrays.toString(k));
        }
    }

    @Test
    void withoutSinksNoEarlyRowIsKeptAndAdaKvKeepsSinksInEveryHead() {
        int[][] plain = compress(risingScores(false), new AdaKvSelector(0.2), 40, 0, SelectionUnit.token());
        for (int[] k : plain) assertTrue(k[0] >= 40, "no sinks: no early rows " + Arrays.toString(k));
        int[][] sinks = compress(risingScores(false), new AdaKvSelector(0.2), 40, 2, SelectionUnit.token());
        for (int[] k : sinks) assertArrayEquals(new int[]{0, 1}, Arrays.copyOf(k, 2), Arrays.toString(k));
    }

    @Test
    void sinksNeedAMethodThatScoresContentAndACountAtLeastZero() {
        assertThrows(CompressionException.class, () -> new SinkTokens(-1));
        for (String m : new String[]{"full", "streamingllm", "random"}) {
            CompressionException e = assertThrows(CompressionException.class,
                    () -> KvCompressor.requireSinksApply(CompressionMethods.byName(m), 4));
            assertTrue(e.getMessage().contains("--sink-tokens"), e.getMessage());
        }
        KvCompressor.requireSinksApply(CompressionMethods.byName("streamingllm"), 0);
        KvCompressor.requireSinksApply(CompressionMethods.byName("compresskv"), 4);
    }

    record Case(long seed, int budget, int sinks, int chunk, boolean shared) {}

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(W + 1, N), Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(1, 12), Arbitraries.of(true, false)).as(Case::new);
    }

    @Property(tries = 60)
    void neverOverBudgetSinksFirstWindowKeptPositionsSortedAndUnique(@ForAll("cases") Case c) {
        Random r = new Random(c.seed());
        float[][] rows = new float[KV][N - W];
        for (float[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextFloat();
        Scorer scorer = t -> c.shared() ? LayerScores.shared(rows[0].clone()) : LayerScores.perHead(new float[][]{rows[0].clone(), rows[1].clone()});
        Selector sel = c.shared() ? new SharedTopKSelector() : new PerHeadTopKSelector();
        SelectionUnit unit = c.chunk() == 1 ? SelectionUnit.token() : SelectionUnit.of("chunk", c.chunk(), 48, "sum");
        int[][] kept = compress(scorer, sel, c.budget(), c.sinks(), unit);
        int selected = Math.min(c.budget(), N) - W;
        for (int[] k : kept) {
            assertEquals(Math.min(c.budget(), N), k.length, "exactly the budget");
            for (int i = 1; i < k.length; i++) assertTrue(k[i] > k[i - 1], "sorted and unique");
            for (int p = N - W; p < N; p++) assertTrue(Arrays.binarySearch(k, p) >= 0, "window kept");
            if (c.budget() < N) for (int p = 0; p < Math.min(c.sinks(), selected); p++) assertEquals(p, k[p], "sink " + p);
        }
    }
}
