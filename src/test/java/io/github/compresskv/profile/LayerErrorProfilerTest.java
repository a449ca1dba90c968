package io.github.compresskv.profile;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.CompressionPolicy;
import io.github.compresskv.compress.ErrorAwareAllocator;
import io.github.compresskv.compress.HeadProfile;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.LayerProfile;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.compress.SemanticRetrievalHeadScorer;
import io.github.compresskv.compress.SharedTopKSelector;
import io.github.compresskv.compress.UniformAllocator;
import io.github.compresskv.model.Model;
import io.github.compresskv.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer profiler end to end on the embedded model (14 layers, 12 query heads, 3 KV heads). */
class LayerErrorProfilerTest {
    static final Path MODEL = Path.of("models/compresskv-tiny.gguf");
    static Model model;
    static Tokenizer tokenizer;
    static HeadProfile heads;
    static LayerCalibrationSet twoPrompts;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(MODEL);
        tokenizer = model.tokenizer();
        StringBuilder json = new StringBuilder("{");
        for (int l = 0; l < model.config().layers(); l++) json.append(l == 0 ? "" : ",").append('"').append(l).append("\":[0,1,2,3]");
        Path file = dir.resolve("tiny.heads.json");
        Files.writeString(file, json.append('}').toString());
        heads = HeadProfile.load(file);
        LayerCalibrationSet all = new LayerCalibrationGenerator(tokenizer, LayerCalibrationGenerator.haystackResource("frankenstein.txt"), 7, 200)
                .generate(1);
        twoPrompts = new LayerCalibrationSet("test", List.of(all.tasks().get(0), all.tasks().get(2))); // needle_qa, passkey
    }

    @AfterAll
    static void close() { model.close(); }

    static LayerErrorProfiler profiler(int budget, int newTokens) {
        return new LayerErrorProfiler(model, heads, new LayerProfileSettings(budget, 8, 5, 4, newTokens), KvStorage.F32,
                tokenizer.endOfGenerationIds());
    }

    @Test
    void generatedPromptsFitTheLengthStartWithBosAndAreReproducible() {
        String hay = LayerCalibrationGenerator.haystackResource("frankenstein.txt");
        LayerCalibrationSet a = new LayerCalibrationGenerator(tokenizer, hay, 7, 200).generate(2);
        LayerCalibrationSet b = new LayerCalibrationGenerator(tokenizer, hay, 7, 200).generate(2);
        assertEquals(LayerCalibrationGenerator.TASKS, a.tasks().stream().map(LayerCalibrationSet.Task::name).toList());
        for (int t = 0; t < a.tasks().size(); t++) {
            for (int s = 0; s < 2; s++) {
                int[] p = a.tasks().get(t).prompts().get(s);
                assertArrayEquals(p, b.tasks().get(t).prompts().get(s));
                assertTrue(p.length <= 200 && p.length > 120, "length " + p.length);
                assertEquals(tokenizer.bos(), p[0]);
            }
        }
        String needle = tokenizer.decode(a.tasks().get(0).prompts().get(0));
        assertTrue(needle.contains("This is a very long story book: <book>") && needle.contains("Question: What is the best thing to do in"), needle);
        assertTrue(tokenizer.decode(a.tasks().get(2).prompts().get(0)).contains("is the pass key."));
    }

    @Test
    void keepSetRecorderEvictsNothingAndKeepsWhatCompressKvKeeps() {
        int[] prompt = twoPrompts.tasks().get(0).prompts().get(0);
        int n = prompt.length, layers = model.config().layers();
        KvCache full = model.newCache(KvStorage.F32);
        LayerKeepSetRecorder recorder = new LayerKeepSetRecorder(heads, 4, 5, 32, 8, layers, model.config().heads());
        model.newTransformer().prefill(full, prompt, recorder);

        KvCache compressed = model.newCache(KvStorage.F32);
        CompressionPolicy srh = new CompressionPolicy(new SemanticRetrievalHeadScorer(heads, 4, Pooling.AVG, 5), new SharedTopKSelector(), new UniformAllocator());
        KvCompressor compressor = new KvCompressor("compresskv-srh", srh, Budget.tokens(32), model.config(), CompressionOptions.defaults());
        model.newTransformer().prefill(compressed, prompt, compressor);
        compressor.finish(compressed);

        for (int l = 0; l < layers; l++) {
            int[] keep = recorder.keepSet(l);
            assertEquals(32, keep.length);
            assertArrayEquals(IntStream.range(n - 8, n).toArray(), java.util.Arrays.copyOfRange(keep, 24, 32), "window of layer " + l);
            for (int g = 0; g < model.config().kvHeads(); g++) {
                assertEquals(n, full.rows(l, g), "the profiler's cache stays full");
                assertArrayEquals(compressed.head(l, g).positions(), keep, "layer " + l + " KV head " + g);
            }
        }
    }

    @Test
    void budgetCoveringThePromptGivesNoError() {
        int[] prompt = twoPrompts.tasks().get(1).prompts().get(0);
        double[] e = profiler(prompt.length, 4).sampleErrors(prompt);
        for (double x : e) assertTrue(x < 1e-4, java.util.Arrays.toString(e)); // the shadow equals the engine's attention
    }

    @Test
    void twoPromptsFourTokensWriteAReadableDeterministicProfile() throws IOException {
        long t0 = System.nanoTime();
        LayerErrorProfile first = profiler(32, 4).profile(twoPrompts, null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 20, "took " + seconds + " s");
        LayerErrorProfile second = profiler(32, 4).profile(twoPrompts, null);

        assertEquals(List.of("needle_qa", "passkey"), first.tasks());
        assertEquals(6, first.decodeSteps(), "3 decode steps per prompt (the first token comes from the prefill)");
        assertEquals(first.decodeSteps(), second.decodeSteps());
        double sum = 0;
        for (double x : first.avgScore()) { assertTrue(x > 0); sum += x; }
        assertEquals(1, sum, 1e-9);
        // same bits up to the Vector API's JIT-dependent summation order (architecture.md, "Bit equality caveat")
        assertArrayEquals(first.avgScore(), second.avgScore(), 1e-6);
        for (int t = 0; t < 2; t++) assertArrayEquals(first.sums()[t], second.sums()[t], 1e-5 * (1 + first.sums()[t][0]));

        Path json = dir.resolve("tiny.layers.json");
        LayerProfileWriter.writeJson(json, first, Map.of("model", "compresskv-tiny.gguf", "budget", 32));
        LayerProfile read = LayerProfile.load(json);
        assertArrayEquals(first.avgScore(), read.errors(), 0);
        String text = Files.readString(json);
        assertTrue(text.contains("\"needle_qa\"") && text.contains("\"profile_info\"") && text.contains("compresskv profile layers"), text);

        Path png = dir.resolve("tiny.layers.png");
        LayerProfileWriter.writeChart(png, first.avgScore(), "test");
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, head);
    }

    @Test
    void halvesAreProfilesOfAlternatePromptsAndAgreeWhenThePromptsDo() {
        int[] a = twoPrompts.tasks().get(0).prompts().get(0), b = twoPrompts.tasks().get(1).prompts().get(0);
        LayerErrorProfile pair = profiler(32, 4).profile(new LayerCalibrationSet("pair", List.of(new LayerCalibrationSet.Task("t", List.of(a, b)))), null);
        LayerErrorProfile onlyA = profiler(32, 4).profile(new LayerCalibrationSet("a", List.of(new LayerCalibrationSet.Task("t", List.of(a)))), null);
        LayerErrorProfile onlyB = profiler(32, 4).profile(new LayerCalibrationSet("b", List.of(new LayerCalibrationSet.Task("t", List.of(b)))), null);
        assertNull(onlyA.halfScores(), "one prompt per task has no halves");
        assertEquals(-1, onlyA.splitHalfBudgetGap(128));
        assertArrayEquals(onlyA.avgScore(), pair.halfScores()[0], 1e-6);
        assertArrayEquals(onlyB.avgScore(), pair.halfScores()[1], 1e-6);
        for (int budget : new int[]{64, 128, 256}) {
            int[] x = ErrorAwareAllocator.allocate(pair.halfScores()[0], budget, 32, 3 * budget);
            int[] y = ErrorAwareAllocator.allocate(pair.halfScores()[1], budget, 32, 3 * budget);
            int gap = 0;
            for (int l = 0; l < x.length; l++) gap = Math.max(gap, Math.abs(x[l] - y[l]));
            assertEquals(gap, pair.splitHalfBudgetGap(budget), "B = " + budget);
        }
        assertTrue(pair.splitHalfBudgetGap(128) > 0, "two different prompts allocate differently");

        LayerErrorProfile twice = profiler(32, 4).profile(new LayerCalibrationSet("twice", List.of(new LayerCalibrationSet.Task("t", List.of(a, a)))), null);
        assertEquals(0, twice.splitHalfBudgetGap(128), "the same prompt in both halves");
    }

    @Test
    void longBenchFolderBecomesOneTaskPerFile() throws IOException {
        Path lb = Files.createDirectories(dir.resolve("longbench"));
        Files.writeString(lb.resolve("dataset2prompt.json"), "{\"qa\": \"Read {{this}}: {context}\\nQ: {input}\\nA:\"}");
        Files.writeString(lb.resolve("qa.jsonl"), "{\"context\": \"It was a dark night.\", \"input\": \"When?\", \"answers\": [\"night\"]}\n"
                + "{\"context\": \"Second.\", \"input\": \"x\"}\n{\"context\": \"Third.\", \"input\": \"y\"}\n");
        Files.writeString(lb.resolve("plain.jsonl"), "{\"context\": \"" + "word ".repeat(300) + "\", \"input\": \"\"}\n");
        LayerCalibrationSet set = LayerCalibrationLongBench.read(lb, tokenizer, 2, 64);
        assertEquals(List.of("plain", "qa"), set.tasks().stream().map(LayerCalibrationSet.Task::name).toList());
        assertEquals(2, set.tasks().get(1).prompts().size());
        assertEquals("Read {this}: It was a dark night.\nQ: When?\nA:", tokenizer.decode(set.tasks().get(1).prompts().get(0), true));
        int[] plain = set.tasks().get(0).prompts().get(0);
        assertEquals(64, plain.length);
        assertEquals(tokenizer.bos(), plain[0]);
        assertArrayEquals(new int[]{1, 2, 8, 9, 10}, LayerCalibrationLongBench.truncateMiddle(IntStream.rangeClosed(1, 10).toArray(), 5));
    }
}
