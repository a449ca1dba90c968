package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The blocked prefill attention against a double-precision softmax, in the shapes that exercise its edges: several key
 * blocks with a running maximum that grows between them, query blocks cut by the chunk's end, head sizes below, at and
 * above one panel, GQA groups of 1 to 7, F32 and F16 storage, a compressed KV head (rows with position gaps), and the
 * causal mask inside the chunk (each new token sees the cache and the chunk's tokens up to itself).
 */
class PrefillAttentionTest {

    @ParameterizedTest(name = "{0} heads / {1} KV heads of {2}, {3} cached + {4} new rows, {5}")
    @CsvSource({
            "8, 2, 32, 1100, 25, F32",
            "14, 2, 64, 600, 7, F32",
            "4, 4, 128, 530, 2, F32",
            "6, 3, 16, 40, 13, F16",
            "12, 3, 32, 1030, 31, F16",
    })
    void matchesADoubleSoftmaxOverEveryVisibleRow(int heads, int kvHeads, int headDim, int cached, int n, KvStorage storage) {
        ModelConfig c = new ModelConfig(Architecture.LLAMA, heads * headDim, 1, heads, kvHeads, headDim, 4, 10, 1 << 16, 1e-5f,
                10000f, RopeStyle.HALF_SPLIT, new float[headDim / 2], false, false, false);
        SplittableRandom rnd = new SplittableRandom(cached * 31L + n);
        KvCache cache = new KvCache(1, kvHeads, headDim, storage);
        // cached rows at positions 0, 3, 6, ...; growing keys so that later key blocks raise the running maximum
        for (int g = 0; g < kvHeads; g++) {
            for (int r = 0; r < cached; r++) {
                float[] k = vec(rnd, headDim, 1 + 3.0 * r / cached);
                cache.append(0, g, k, 0, vec(rnd, headDim, 1), 0, 3 * r);
            }
        }
        if (kvHeads > 1) { // one KV head compressed to every other row
            cache.retain(0, 1, IntStream.range(0, cached).filter(r -> r % 2 == 0).toArray());
        }
        // the chunk: n new tokens after the cache
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) positions[t] = 3 * cached + t;
        for (int g = 0; g < kvHeads; g++) {
            for (int t = 0; t < n; t++) cache.append(0, g, vec(rnd, headDim, 2), 0, vec(rnd, headDim, 1), 0, positions[t]);
        }
        float[] q = vec(rnd, n * heads * headDim, 1);
        float[] out = new float[n * heads * headDim];
        try (Parallel pool = new Parallel(3)) {
            new Attention(c).apply(cache, 0, q, positions, n, out, pool);
        }
        int group = heads / kvHeads;
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                double[] expected = NaiveAttention.of(cache.head(0, h / group), q, (t * heads + h) * headDim, positions[t]);
                for (int i = 0; i < headDim; i++) {
                    assertEquals(expected[i], out[(t * heads + h) * headDim + i], 2e-5 + 1e-4 * Math.abs(expected[i]),
                            "token " + t + " head " + h + " dim " + i);
                }
            }
        }
    }

    private static float[] vec(SplittableRandom rnd, int n, double amplitude) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((rnd.nextDouble() * 2 - 1) * amplitude);
        return x;
    }
}
