package io.github.compresskv.model;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The decode tap shows each layer's query and attention output, which a naive recomputation from the cache reproduces. */
class DecodeTapTest {

    @Test
    void tapSeesQueryAndAttentionOutputOfEveryLayer() {
        try (Model model = Model.load(new SyntheticModel(SyntheticModel.Spec.of("llama"), 5), new Parallel(2))) {
            ModelConfig c = model.config();
            Transformer t = model.newTransformer();
            KvCache cache = model.newCache(KvStorage.F32);
            t.prefill(cache, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            int[] calls = {0};
            float[] plain = t.decode(cache.copy(), 10).clone();
            float[] tapped = t.decode(cache, 10, (layer, kv, query, out) -> {
                assertEquals(calls[0]++, layer);
                int d = c.headDim();
                for (int h = 0; h < c.heads(); h++) {
                    HeadRows rows = kv.head(layer, c.kvHeadOf(h));
                    assertEquals(10, rows.size(), "the decoded token's row is in the cache");
                    double[] expected = NaiveAttention.of(rows, query, h * d, Integer.MAX_VALUE);
                    for (int i = 0; i < d; i++) assertEquals(expected[i], out[h * d + i], 1e-5, "layer " + layer + " head " + h);
                }
            });
            assertEquals(c.layers(), calls[0]);
            assertArrayEquals(plain, tapped, "a tap does not change the result");
        }
    }
}
