package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.cache.HeadRows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Attention over cache rows against a naive softmax computation, with GQA and position gaps (a compressed cache). */
class AttentionTest {

    @Test
    void matchesNaiveAttentionWithGqaAndCompressedRows() {
        ModelConfig c = ModelConfig.from(new SyntheticModel(SyntheticModel.Spec.of("llama"), 1));
        int hd = c.headDim(), heads = c.heads();
        SplittableRandom rnd = new SplittableRandom(3);
        KvCache cache = new KvCache(1, c.kvHeads(), hd, KvStorage.F32);
        for (int h = 0; h < c.kvHeads(); h++) {
            for (int p = 0; p < 30; p++) cache.append(0, h, vec(rnd, hd), 0, vec(rnd, hd), 0, p);
        }
        cache.retain(0, 0, new int[] {0, 2, 3, 10, 11, 12, 20, 29});   // KV head 0 compressed, head 1 full
        int n = 3;
        int[] positions = {12, 25, 29};
        float[] q = vec(rnd, n * heads * hd);
        float[] out = new float[n * heads * hd];
        try (Parallel pool = new Parallel(3)) {
            new Attention(c).apply(cache, 0, q, positions, n, out, pool);
        }
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                double[] expected = NaiveAttention.of(cache.head(0, h / 4), q, (t * heads + h) * hd, positions[t]);
                for (int i = 0; i < hd; i++) {
                    assertEquals(expected[i], out[(t * heads + h) * hd + i], 1e-5, "token " + t + " head " + h);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"F32, 1", "F32, 2", "F32, 3", "F16, 2", "F16, 8", "Q8, 2", "Q8, 8", "Q4, 1", "Q4, 2", "Q4, 3", "Q4, 4", "Q4, 8"})
    void decodeOfAGroupReadingTilesMatchesNaiveAttention(KvStorage storage, int threads) {
        // more rows than a tile, a partial last tile, a compressed head, and query heads split into parts per KV head
        // (8 threads: one query head per part, which quantized rows serve with their single-query kernels)
        ModelConfig c = ModelConfig.from(new SyntheticModel(SyntheticModel.Spec.of("llama"), 1));
        int hd = c.headDim(), heads = c.heads(), group = heads / c.kvHeads();
        SplittableRandom rnd = new SplittableRandom(7);
        int rows = 2 * HeadRows.TILE_ROWS + 45;
        KvCache cache = new KvCache(1, c.kvHeads(), hd, storage);
        for (int h = 0; h < c.kvHeads(); h++) {
            for (int p = 0; p < rows; p++) cache.append(0, h, vec(rnd, hd), 0, vec(rnd, hd), 0, p);
        }
        int[] keep = java.util.stream.IntStream.range(0, rows).filter(r -> r % 3 != 1).toArray();
        cache.retain(0, 0, keep);
        int position = rows - 1;
        float[] q = vec(rnd, heads * hd);
        float[] out = new float[heads * hd];
        java.util.Arrays.fill(out, 9f);
        try (Parallel pool = new Parallel(threads)) {
            new Attention(c).apply(cache, 0, q, new int[] {position}, 1, out, pool);
        }
        for (int h = 0; h < heads; h++) {
            double[] expected = NaiveAttention.of(cache.head(0, h / group), q, h * hd, position);
            for (int i = 0; i < hd; i++) assertEquals(expected[i], out[h * hd + i], 1e-5, storage + ", head " + h + ", channel " + i);
        }
    }

    @Test
    void decodePartsGiveEveryThreadAnEqualShare() {
        ModelConfig c = ModelConfig.from(new SyntheticModel(SyntheticModel.Spec.of("llama"), 1));
        Attention a = new Attention(c);
        int kv = c.kvHeads(), group = c.heads() / kv;
        assertEquals(1, a.groupParts(1));
        for (int threads = 2; threads <= 8; threads++) {
            int parts = a.groupParts(threads);
            assertTrue(parts >= 1 && parts <= group, threads + " threads: " + parts + " parts");
            if (kv * group % threads == 0) assertEquals(0, kv * parts % threads, threads + " threads: " + parts + " parts");
        }
    }

    private static float[] vec(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
