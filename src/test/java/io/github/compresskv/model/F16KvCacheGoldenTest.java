package io.github.compresskv.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

import static io.github.compresskv.model.EmbeddedModelGoldenTest.GOLDEN;
import static io.github.compresskv.model.EmbeddedModelGoldenTest.JSON;
import static io.github.compresskv.model.EmbeddedModelGoldenTest.MODEL;
import static io.github.compresskv.model.EmbeddedModelGoldenTest.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * F16 KV storage (issue 7): on the embedded model's golden prompts (the 512-token continuation and the first
 * needle prompt of each length, 1K and 2K tokens; all 20 agree too, but take two minutes) the greedy output with
 * an F16 cache equals the output with an F32 cache (which the golden test checks against PyTorch), while the
 * cache holds exactly half the bytes.
 */
class F16KvCacheGoldenTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(MODEL);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void f16CacheHalvesTheBytesAndKeepsGreedyOutputs() throws IOException {
        int[] prompt = ints(JSON.readTree(GOLDEN.resolve("logits512.json").toFile()).get("prompt_ids"));
        int max = JSON.readTree(GOLDEN.resolve("continuation.json").toFile()).get("greedy_ids").size();
        Greedy f32 = greedy(prompt, max, Set.of(), KvStorage.F32), f16 = greedy(prompt, max, Set.of(), KvStorage.F16);
        assertArrayEquals(f32.ids, f16.ids, "32-token continuation");
        assertEquals(f32.kvBytes, 2 * f16.kvBytes, "F16 rows take half the bytes of F32 rows");

        JsonNode g = JSON.readTree(GOLDEN.resolve("needles.json").toFile());
        Set<Integer> stop = new HashSet<>();
        for (JsonNode s : g.get("stop_ids")) stop.add(s.asInt());
        int needleMax = g.get("max_new").asInt(), n = 0;
        for (int i = 0; i < g.get("needles").size(); i += 10) { // one of each length (1K, 2K): a few seconds
            JsonNode rec = g.get("needles").get(i);
            int[] p = ints(rec.get("prompt_ids"));
            assertArrayEquals(greedy(p, needleMax, stop, KvStorage.F32).ids, greedy(p, needleMax, stop, KvStorage.F16).ids,
                    "needle at length " + rec.get("length") + " depth " + rec.get("depth"));
            n++;
        }
        System.out.printf("F16 KV cache: same greedy output as F32 on the continuation and %d needle prompts, %d vs %d KV bytes%n",
                n, f16.kvBytes, f32.kvBytes);
    }

    private record Greedy(int[] ids, long kvBytes) {}

    private static Greedy greedy(int[] prompt, int max, Set<Integer> stop, KvStorage storage) {
        KvCache cache = model.newCache(storage);
        int[] ids = EmbeddedModelGoldenTest.greedy(model, cache, prompt, max, stop);
        return new Greedy(ids, cache.bytes());
    }
}
