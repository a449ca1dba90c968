package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KVzip's chunk scoring against a brute-force double-precision re-computation on random caches: for each context
 * row of the chunk, the largest softmax probability (over sinks + chunk + the causal repeat rows) given by any
 * query of any query head of its contiguous GQA group; rows outside the chunk untouched; maxima accumulate.
 */
class ReconstructionAttentionTest {
    static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() { POOL.close(); }

    /** A cache of one layer: n context rows then m repeat rows per KV head, and [heads][m][d] queries. */
    record Case(KvCache cache, float[] queries, int heads, int n, int m) {
        static Case random(int heads, int kvHeads, int d, int n, int m, long seed, KvStorage storage) {
            Random r = new Random(seed);
            KvCache c = new KvCache(1, kvHeads, d, storage);
            float[] k = new float[d], v = new float[d];
            for (int g = 0; g < kvHeads; g++) {
                for (int p = 0; p < n + m; p++) {
                    // a few loud keys so that maxima are not all alike
                    double loud = r.nextInt(10) == 0 ? 4 : 1;
                    for (int i = 0; i < d; i++) { k[i] = (float) (loud * r.nextGaussian()); v[i] = (float) r.nextGaussian(); }
                    c.append(0, g, k, 0, v, 0, p);
                }
            }
            c.advance(n + m);
            float[] q = new float[heads * m * d];
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            return new Case(c, q, heads, n, m);
        }

        double[] key(int g, int row) {
            float[] k = new float[cache.headDim()];
            cache.head(0, g).readKey(row, k, 0);
            double[] out = new double[k.length];
            for (int i = 0; i < k.length; i++) out[i] = k[i];
            return out;
        }

        /** Reference maxima over [from, to) for KV head g (double precision, no shortcuts). */
        double[] reference(int g, int sinkEnd, int from, int to) {
            int d = cache.headDim(), group = heads / cache.kvHeads();
            double[] best = new double[to - from];
            for (int h = g * group; h < (g + 1) * group; h++) {
                for (int i = 0; i < m; i++) {
                    java.util.List<Integer> rows = new java.util.ArrayList<>();
                    for (int r = 0; r < sinkEnd; r++) rows.add(r);
                    for (int r = from; r < to; r++) rows.add(r);
                    for (int r = n; r <= n + i; r++) rows.add(r);
                    double[] z = new double[rows.size()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < z.length; a++) {
                        double[] k = key(g, rows.get(a));
                        double dot = 0;
                        for (int e = 0; e < d; e++) dot += (double) queries[(h * m + i) * d + e] * k[e];
                        z[a] = dot / Math.sqrt(d);
                        max = Math.max(max, z[a]);
                    }
                    double sum = 0;
                    for (double x : z) sum += Math.exp(x - max);
                    for (int j = 0; j < to - from; j++) best[j] = Math.max(best[j], Math.exp(z[sinkEnd + j] - max) / sum);
                }
            }
            return best;
        }
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void chunkMaximaMatchTheDoublePrecisionReference(KvStorage storage) {
        Case c = Case.random(8, 2, 32, 70, 23, 11, storage);
        int sinkEnd = 4, from = 30, to = 55;
        float[][] out = new float[2][c.n()];
        ReconstructionAttention.maxInto(c.cache(), 0, c.heads(), c.queries(), c.m(), sinkEnd, from, to, c.n(), out, POOL);
        for (int g = 0; g < 2; g++) {
            double[] ref = c.reference(g, sinkEnd, from, to);
            for (int j = 0; j < c.n(); j++) {
                if (j < from || j >= to) {
                    assertEquals(0f, out[g][j], "row " + j + " is outside the chunk");
                } else {
                    double e = ref[j - from];
                    assertEquals(e, out[g][j], 2e-6 + 2e-5 * e, "KV head " + g + " row " + j);
                }
            }
        }
    }

    @Test
    void aSingleChunkSeesEveryVisibleRowAndMaximaAccumulate() {
        Case c = Case.random(6, 3, 16, 40, 12, 5, KvStorage.F32);
        float[][] out = new float[3][c.n()];
        ReconstructionAttention.maxInto(c.cache(), 0, c.heads(), c.queries(), c.m(), 0, 0, c.n(), c.n(), out, POOL);
        float[][] first = new float[3][];
        for (int g = 0; g < 3; g++) {
            double[] ref = c.reference(g, 0, 0, c.n());
            for (int j = 0; j < c.n(); j++) assertEquals(ref[j], out[g][j], 2e-6 + 2e-5 * ref[j], "KV head " + g + " row " + j);
            first[g] = out[g].clone();
        }
        // a second chunk over part of the rows only raises maxima there (its normaliser is smaller: fewer keys)
        ReconstructionAttention.maxInto(c.cache(), 0, c.heads(), c.queries(), c.m(), 2, 10, 20, c.n(), out, POOL);
        for (int g = 0; g < 3; g++) {
            double[] ref = c.reference(g, 2, 10, 20);
            for (int j = 0; j < c.n(); j++) {
                double e = j >= 10 && j < 20 ? Math.max(first[g][j], ref[j - 10]) : first[g][j];
                assertEquals(e, out[g][j], 2e-6 + 2e-5 * e, "KV head " + g + " row " + j);
                assertTrue(out[g][j] >= first[g][j]);
            }
        }
    }

    @Test
    void aQueryHeadScoresOnlyTheRowsOfItsOwnGroup() {
        // 4 query heads on 2 KV heads: a row whose key matches head 1's queries must score high in KV head 0 only
        int d = 16, n = 30, m = 6;
        Case c = Case.random(4, 2, d, n, m, 9, KvStorage.F32);
        float[] k = new float[d], v = new float[d];
        for (int i = 0; i < d; i++) k[i] = 3f * c.queries()[(1 * m) * d + i];
        KvCache planted = new KvCache(1, 2, d, KvStorage.F32);
        for (int g = 0; g < 2; g++) {
            for (int r = 0; r < n + m; r++) {
                float[] key = new float[d];
                c.cache().head(0, g).readKey(r, key, 0);
                planted.append(0, g, g == 0 && r == 17 ? k : key, 0, v, 0, r);
            }
        }
        planted.advance(n + m);
        float[][] out = new float[2][n];
        ReconstructionAttention.maxInto(planted, 0, 4, c.queries(), m, 0, 0, n, n, out, POOL);
        assertTrue(out[0][17] > 0.9f, "planted row in KV head 0 (query heads 0-1): " + out[0][17]);
        assertTrue(out[1][17] < 0.9f, "KV head 1 does not see the plant: " + out[1][17]);
    }
}
