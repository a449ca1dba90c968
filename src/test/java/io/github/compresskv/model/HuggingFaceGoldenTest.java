package io.github.compresskv.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.format.ModelSources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The engine against Hugging Face transformers on the small random models made by
 * {@code tools/make_model_goldens.py} (F32 safetensors; reference computed in float64):
 * logits at every prompt position within a max relative error of 1e-4 (max |java − hf| / max |hf| per
 * position), and the same 32-token greedy continuation, with F32 and with F16 KV storage.
 */
class HuggingFaceGoldenTest {

    static final double MAX_RELATIVE_ERROR = 1e-4;

    record Golden(Path dir, int[] prompt, int[] continuation, float[] logits, int vocab) {}

    static Golden golden(String arch) throws IOException, URISyntaxException {
        Path dir = Path.of(HuggingFaceGoldenTest.class.getResource(arch + "/golden.json").toURI()).getParent();
        JsonNode g = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        int[] prompt = ints(g.get("prompt"));
        int[] continuation = ints(g.get("greedy_continuation"));
        int vocab = g.get("logits_shape").get(1).asInt();
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(g.get("logits_file").asText()))).order(ByteOrder.LITTLE_ENDIAN);
        float[] logits = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(logits);
        assertEquals(prompt.length * vocab, logits.length);
        return new Golden(dir, prompt, continuation, logits, vocab);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    static Model load(Golden g) {
        return Model.load(ModelSources.open(g.dir()), new Parallel(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
    void logitsAtEveryPromptPositionMatchTransformers(String arch) throws Exception {
        Golden g = golden(arch);
        try (Model model = load(g)) {
            assertEquals(g.vocab(), model.config().vocab());
            float[] logits = new Transformer(model, 32).prefillAllLogits(model.newCache(KvStorage.F32), g.prompt());
            double worst = 0;
            for (int t = 0; t < g.prompt().length; t++) {
                double err = Logits.maxRelativeError(logits, t * g.vocab(), g.logits(), t * g.vocab(), g.vocab());
                worst = Math.max(worst, err);
                assertTrue(err <= MAX_RELATIVE_ERROR, arch + " position " + t + ": max relative error " + err);
            }
            System.out.printf("%s: worst max relative logit error over %d positions: %.2e%n", arch, g.prompt().length, worst);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
    void greedyContinuationMatchesTransformersWithF32F16AndQ8Cache(String arch) throws Exception {
        Golden g = golden(arch);
        try (Model model = load(g)) {
            // q4 moves these random-weight models' near-flat logits enough to change greedy tokens (KL in docs/compression.md)
            for (KvStorage storage : new KvStorage[] {KvStorage.F32, KvStorage.F16, KvStorage.Q8}) {
                Transformer t = model.newTransformer();
                KvCache cache = model.newCache(storage);
                float[] logits = t.prefill(cache, g.prompt());
                int[] out = new int[g.continuation().length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = Logits.argmax(logits, 0, g.vocab());
                    logits = t.decode(cache, out[i]);
                }
                assertArrayEquals(g.continuation(), out, arch + " with " + storage + " KV cache");
            }
        }
    }
}
