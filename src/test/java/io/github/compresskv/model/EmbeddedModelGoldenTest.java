package io.github.compresskv.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.github.compresskv.convert.GgufConverter;
import io.github.compresskv.convert.OutputType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped embedded model ({@code models/compresskv-tiny.gguf}, BF16 weights) against PyTorch/transformers
 * (float32 compute over the same BF16 weights; {@code tools/make_embedded_goldens.py}): logits on a 512-token
 * prompt within 1e-3 relative, the 32-token greedy continuation, and the greedy answers to 20 needle prompts.
 */
class EmbeddedModelGoldenTest {
    static final Path MODEL = Path.of("models/compresskv-tiny.gguf");
    static final Path GOLDEN = Path.of("src/test/resources/io/github/compresskv/embedded");
    static final double MAX_RELATIVE_ERROR = 1e-3;
    static final ObjectMapper JSON = new ObjectMapper();

    static Model model;
    static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(MODEL);
        prompt = ints(JSON.readTree(GOLDEN.resolve("logits512.json").toFile()).get("prompt_ids"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void logitsOnA512TokenPromptMatchPyTorch() throws IOException {
        JsonNode meta = JSON.readTree(GOLDEN.resolve("logits512.json").toFile());
        int vocab = meta.get("vocab").asInt();
        int[] positions = ints(meta.get("positions"));
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(GOLDEN.resolve("logits512.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(expected);
        assertEquals(positions.length * vocab, expected.length);
        assertEquals(512, prompt.length);

        float[] logits = model.newTransformer().prefillAllLogits(model.newCache(KvStorage.F32), prompt);
        double worst = 0;
        for (int i = 0; i < positions.length; i++) {
            double err = Logits.maxRelativeError(logits, positions[i] * vocab, expected, i * vocab, vocab);
            worst = Math.max(worst, err);
            assertTrue(err <= MAX_RELATIVE_ERROR, "position " + positions[i] + ": max relative error " + err);
            assertEquals(Logits.argmax(expected, i * vocab, vocab), Logits.argmax(logits, positions[i] * vocab, vocab));
        }
        System.out.printf("embedded model: worst max relative logit error %.2e over %d positions%n", worst, positions.length);
    }

    @Test
    void greedyContinuationOf32TokensMatchesPyTorch() throws IOException {
        int[] expected = ints(JSON.readTree(GOLDEN.resolve("continuation.json").toFile()).get("greedy_ids"));
        assertArrayEquals(expected, greedy(model, prompt, expected.length, Set.of()));
    }

    @Test
    void greedyAnswersToTwentyNeedlePromptsMatchPyTorch() throws IOException {
        JsonNode g = JSON.readTree(GOLDEN.resolve("needles.json").toFile());
        Set<Integer> stop = new HashSet<>();
        for (JsonNode s : g.get("stop_ids")) stop.add(s.asInt());
        int max = g.get("max_new").asInt();
        int n = 0, correct = 0;
        for (JsonNode rec : g.get("needles")) {
            int[] expected = ints(rec.get("greedy_ids"));
            int[] actual = greedy(model, ints(rec.get("prompt_ids")), max, stop);
            assertArrayEquals(expected, actual, "needle at length " + rec.get("length") + " depth " + rec.get("depth"));
            n++;
            if (rec.get("correct").asBoolean()) correct++;
        }
        assertEquals(20, n);
        System.out.printf("embedded model: %d/%d needle answers exactly right (same as PyTorch)%n", correct, n);
    }

    /**
     * The model re-typed by the converter (GGUF → GGUF) against PyTorch's BF16 reference: documented tolerances
     * for the max relative logit error and for how many tokens of the 32-token greedy continuation stay equal.
     * Measured on version 3 of this 16.6M-parameter model: Q8_0 3.4e-2 and 3/32, Q4_0 4.5e-1 and 0/32 (version 1:
     * Q8_0 4.0e-2 and 17/32, Q4_0 5.0e-1 and 0/32; version 0: Q8_0 2.2e-2 and 32/32). The continuation of plain Walden
     * text is fragile here: the model's language modelling is weak (perplexity in the hundreds), so its top two
     * logits are often close and an 8-bit rounding flips one. 4-bit weights are too coarse for a model this small
     * (each layer's error compounds over 14 layers of width 384), so Q4_0 is checked for staying within its
     * measured band only.
     */
    @ParameterizedTest
    @CsvSource({"f16, 1e-4, 32", "q8_0, 6e-2, 3", "q4_0, 7e-1, 0"})
    void convertedModelsStayWithinTheirTolerances(String type, double tolerance, int greedyTokensEqual, @TempDir Path dir)
            throws IOException {
        Path out = dir.resolve("tiny-" + type + ".gguf");
        new GgufConverter((d, b) -> { }).convert(MODEL, out, OutputType.parse(type));
        JsonNode meta = JSON.readTree(GOLDEN.resolve("logits512.json").toFile());
        int vocab = meta.get("vocab").asInt();
        int[] positions = ints(meta.get("positions"));
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(GOLDEN.resolve("logits512.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(expected);
        int[] continuation = ints(JSON.readTree(GOLDEN.resolve("continuation.json").toFile()).get("greedy_ids"));
        try (Model q = Model.load(out)) {
            float[] logits = q.newTransformer().prefillAllLogits(q.newCache(KvStorage.F32), prompt);
            double worst = 0;
            for (int i = 0; i < positions.length; i++) {
                worst = Math.max(worst, Logits.maxRelativeError(logits, positions[i] * vocab, expected, i * vocab, vocab));
            }
            int[] actual = greedy(q, prompt, continuation.length, Set.of());
            int same = 0;
            while (same < actual.length && actual[same] == continuation[same]) same++;
            System.out.printf("embedded model as %s: worst max relative logit error %.2e, greedy continuation %d/%d tokens equal%n",
                    type, worst, same, continuation.length);
            assertTrue(worst <= tolerance, type + ": max relative logit error " + worst + " > " + tolerance);
            // Q4_0 (0 required) is bounded by its logit error only: "at least 0 tokens" would be no check
            if (greedyTokensEqual > 0) {
                assertTrue(same >= greedyTokensEqual, type + ": greedy continuation equal for " + same + " tokens, need " + greedyTokensEqual);
            }
        }
    }

    /** Greedy decoding that stops after a token in {@code stop} (kept) or after {@code max} tokens. */
    static int[] greedy(Model model, int[] prompt, int max, Set<Integer> stop) {
        return greedy(model, model.newCache(KvStorage.F32), prompt, max, stop);
    }

    /** The same into a given cache (its storage type is the caller's choice; the cache is left filled). */
    static int[] greedy(Model model, KvCache cache, int[] prompt, int max, Set<Integer> stop) {
        Transformer t = model.newTransformer();
        float[] logits = t.prefill(cache, prompt);
        int[] out = new int[max];
        int n = 0;
        while (n < max) {
            int next = Logits.argmax(logits, 0, logits.length);
            out[n++] = next;
            if (stop.contains(next) || n == max) break;
            logits = t.decode(cache, next);
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
