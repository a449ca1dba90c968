package io.github.compresskv.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner on the embedded model with a tiny suite (3 short prompts, 4 new tokens): one prefill per item, the
 * run folder's files, resuming (finished work skipped, a torn last line cut, an interrupted run completed) and
 * the configuration check.
 */
class EvalRunnerTest {
    static Model model;
    static Tokenizer tokenizer;
    static final List<String> METHODS = List.of("full", "snapkv", "streamingllm");
    static final List<Integer> BUDGETS = List.of(16, 32);
    static final int COMBOS = 1 + 2 * 2;

    @BeforeAll
    static void load() {
        model = Model.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")), new Parallel(2));
        tokenizer = Tokenizers.load(model.source());
    }

    @AfterAll
    static void close() { model.close(); }

    /** Three items over a short repeated text; the score is 1 when the prediction is not empty. */
    static final class TinySuite implements EvalSuite {
        @Override
        public String name() { return "tiny"; }

        @Override
        public List<EvalItem> items(Tokenizer t, int maxPromptTokens) {
            List<EvalItem> out = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String text = "The secret word for item " + i + " is lantern. " + "The rain fell on the quiet river. ".repeat(8 + i)
                        + "Question: What is the secret word for item " + i + "?\nAnswer:";
                out.add(new EvalItem("tiny/" + i, "tiny", text, false, 4, List.of("lantern"), Map.of("length", "100", "depth", Integer.toString(50 * i))));
            }
            return out;
        }

        @Override
        public double score(EvalItem item, String prediction) { return prediction.isEmpty() ? 0 : 1; }

        @Override
        public Map<String, Double> aggregate(List<ScoredItem> scored) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("average", scored.stream().mapToDouble(ScoredItem::score).average().orElse(0));
            return m;
        }

        @Override
        public Map<String, Object> options() { return Map.of("items", 3); }
    }

    static EvalSettings settings(List<Integer> budgets) {
        return new EvalSettings(METHODS, budgets, CompressionOptions.defaults(), KvStorage.F32);
    }

    static EvalRunner runner(EvalSettings s) { return new EvalRunner(model, tokenizer, new TinySuite(), s); }

    static RunFolder open(Path dir, EvalSettings s) {
        return RunFolder.open(dir, RunConfig.of(new TinySuite(), s, Path.of("models/compresskv-tiny.gguf"), "test"));
    }

    static List<String> lines(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunFolder.PREDICTIONS), StandardCharsets.UTF_8);
    }

    @Test
    void unitsAreSweptFromTheSamePrefillAndShownAsVariants(@TempDir Path dir) throws IOException {
        List<io.github.compresskv.compress.SelectionUnit> units = List.of(io.github.compresskv.compress.SelectionUnit.token(),
                io.github.compresskv.compress.SelectionUnit.chunk(10), io.github.compresskv.compress.SelectionUnit.sentence(io.github.compresskv.compress.SelectionUnit.DEFAULT_SENTENCE_CAP));
        EvalSettings s = new EvalSettings(METHODS, BUDGETS, units, CompressionOptions.defaults(), KvStorage.F32);
        // full once, snapkv per unit and budget, streamingllm (position scores) with tokens only
        assertEquals(List.of("full", "snapkv", "snapkv+chunk10", "snapkv+sentence", "streamingllm"), s.variants());
        int combos = 1 + 3 * 2 + 2;
        assertEquals(combos, s.combos().size());
        EvalRunner r = runner(s);
        List<EvalItem> items = r.items();
        try (RunFolder f = open(dir, s)) {
            r.run(items, f, null);
            assertEquals(3, r.prefills(), "one prefill per item for every method x unit x budget");
            RunMetrics m = RunMetrics.of(new TinySuite(), s, items, f.predictions());
            RunReport.write(dir, m, s, "compresskv-tiny.gguf");
            assertEquals(combos, m.rows().size());
            assertEquals("sentence", m.row("snapkv+sentence", 32).unit());
        }
        ObjectMapper json = new ObjectMapper();
        Set<String> variants = new HashSet<>();
        for (String line : lines(dir)) {
            JsonNode p = json.readTree(line);
            variants.add(p.get("method").asText() + "/" + p.get("unit").asText());
        }
        assertEquals(Set.of("full/token", "snapkv/token", "snapkv/chunk10", "snapkv/sentence", "streamingllm/token"), variants);
        String summary = Files.readString(dir.resolve(RunReport.SUMMARY));
        assertTrue(summary.contains("| snapkv+sentence |") && summary.contains("| snapkv+chunk10 |"), summary);
        JsonNode config = json.readTree(dir.resolve(RunFolder.CONFIG).toFile());
        assertEquals("[\"token\",\"chunk10\",\"sentence\"]", config.at("/run/units").toString());
        // resuming finds everything done
        try (RunFolder f = open(dir, s)) {
            EvalRunner again = runner(s);
            again.run(again.items(), f, null);
            assertEquals(0, again.prefills());
        }
    }

    @Test
    void onePrefillPerItemAndAFullRunFolder(@TempDir Path dir) throws IOException {
        EvalSettings s = settings(BUDGETS);
        EvalRunner r = runner(s);
        List<EvalItem> items = r.items();
        try (RunFolder f = open(dir, s)) {
            r.run(items, f, null);
            assertEquals(3, r.prefills(), "one prefill per item for all " + COMBOS + " method/budget combinations");
            RunMetrics m = RunMetrics.of(new TinySuite(), s, items, f.predictions());
            RunReport.write(dir, m, s, "compresskv-tiny.gguf");
            RunPlots.write(dir, m, s, f.predictions());
        }
        List<String> lines = lines(dir);
        assertEquals(3 * COMBOS, lines.size());
        ObjectMapper json = new ObjectMapper();
        Set<String> keys = new HashSet<>();
        for (String line : lines) {
            JsonNode p = json.readTree(line);
            keys.add(p.get("id").asText() + "|" + p.get("method").asText() + "|" + p.get("budget").asInt());
            double kv = p.get("kv_fraction").asDouble();
            if (p.get("method").asText().equals("full")) assertEquals(1.0, kv);
            else assertTrue(kv > 0 && kv < 1, line);
            assertTrue(p.get("generated_tokens").asInt() <= 4, line);
        }
        assertEquals(3 * COMBOS, keys.size(), "every (item, method, budget) once");
        JsonNode config = json.readTree(dir.resolve(RunFolder.CONFIG).toFile());
        assertEquals("tiny", config.at("/run/suite").asText());
        assertEquals(64, config.at("/run/model/sha256_first_mib").asText().length());
        assertTrue(config.at("/provenance/git_commit").isTextual());
        assertTrue(config.at("/provenance/java_version").asText().startsWith("25"));
        JsonNode metrics = json.readTree(dir.resolve(RunReport.METRICS).toFile());
        assertEquals(COMBOS, metrics.get("results").size());
        String summary = Files.readString(dir.resolve(RunReport.SUMMARY));
        assertTrue(summary.contains("| method | B=16 | B=32 |"), summary);
        assertTrue(summary.contains("| snapkv |"), summary);
        assertTrue(Files.size(dir.resolve(RunPlots.SCORE_VS_BUDGET)) > 1000);
        assertTrue(Files.size(dir.resolve(RunPlots.SCORE_VS_KV)) > 1000);
    }

    @Test
    void plotsOfASingleBudgetThatIsNoPowerOfTwo(@TempDir Path dir) throws IOException {
        // regression: every x tick between powers of two got an empty label, which XChart cannot draw
        EvalSettings s = settings(List.of(68));
        EvalRunner r = runner(s);
        List<EvalItem> items = r.items().subList(0, 1);
        try (RunFolder f = open(dir, s)) {
            r.run(items, f, null);
            RunMetrics m = RunMetrics.of(new TinySuite(), s, items, f.predictions());
            RunPlots.write(dir, m, s, f.predictions());
        }
        assertTrue(Files.size(dir.resolve(RunPlots.SCORE_VS_BUDGET)) > 1000);
    }

    @Test
    void resumingSkipsFinishedWorkCutsATornLineAndCompletesAnInterruptedRun(@TempDir Path dir) throws IOException {
        EvalSettings s = settings(BUDGETS);
        EvalRunner first = runner(s);
        List<EvalItem> items = first.items();
        RuntimeException stop = new RuntimeException("Ctrl-C");
        try (RunFolder f = open(dir, s)) {
            // interrupted after the second item's third combination
            assertThrows(RuntimeException.class, () -> first.run(items, f, (done, total, item, combo, p, resumed) -> {
                if (done == COMBOS + 3) throw stop;
            }));
        }
        assertEquals(COMBOS + 3, lines(dir).size());
        // a write cut short by the interruption
        Files.writeString(dir.resolve(RunFolder.PREDICTIONS), "{\"id\": \"tiny/1\", \"meth", StandardOpenOption.APPEND);

        EvalRunner second = runner(s);
        int[] fresh = {0}, resumed = {0};
        try (RunFolder f = open(dir, s)) {
            assertTrue(f.truncatedTornLine());
            assertEquals(COMBOS + 3, f.resumedCount());
            second.run(items, f, (done, total, item, combo, p, wasResumed) -> {
                if (wasResumed) resumed[0]++; else fresh[0]++;
            });
        }
        assertEquals(COMBOS + 3, resumed[0]);
        assertEquals(2 * COMBOS - 3, fresh[0]);
        assertEquals(2, second.prefills(), "the first item is not prefilled again");
        assertEquals(3 * COMBOS, lines(dir).size());
        for (String line : lines(dir)) new ObjectMapper().readTree(line); // every line whole

        EvalRunner third = runner(s);
        try (RunFolder f = open(dir, s)) {
            third.run(items, f, null);
        }
        assertEquals(0, third.prefills(), "a finished run does nothing");
        assertEquals(3 * COMBOS, lines(dir).size());
    }

    @Test
    void anotherConfigurationOrAConcurrentRunInTheSameFolderIsRefused(@TempDir Path dir) {
        try (RunFolder f = open(dir, settings(BUDGETS))) {
            assertFalse(f.truncatedTornLine());
        }
        try (RunFolder f = open(dir, settings(BUDGETS))) {
            IllegalArgumentException busy = assertThrows(IllegalArgumentException.class, () -> open(dir, settings(BUDGETS)));
            assertTrue(busy.getMessage().contains("another run is using"), busy.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> open(dir, settings(List.of(16, 64))));
        assertTrue(e.getMessage().contains("'run.budgets'") && e.getMessage().contains("[16,32]") && e.getMessage().contains("[16,64]"), e.getMessage());
    }

    @Test
    void settingsRejectBadInput() {
        assertThrows(RuntimeException.class, () -> new EvalSettings(List.of("nosuch"), BUDGETS, CompressionOptions.defaults(), KvStorage.F32));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> new EvalSettings(List.of("snapkv", "SnapKV"), BUDGETS, CompressionOptions.defaults(), KvStorage.F32));
        assertTrue(dup.getMessage().contains("twice"));
        assertThrows(RuntimeException.class, () -> new EvalSettings(List.of("snapkv"), List.of(4), CompressionOptions.defaults(), KvStorage.F32));
        RuntimeException noProfile = assertThrows(RuntimeException.class, () -> new EvalRunner(model, tokenizer, new TinySuite(),
                new EvalSettings(List.of("compresskv"), List.of(16), CompressionOptions.defaults(), KvStorage.F32)));
        assertTrue(noProfile.getMessage().contains("--head-profile"), noProfile.getMessage());
        assertEquals(List.of(new EvalSettings.Combo("full", 0)), new EvalSettings(List.of("full"), List.of(), CompressionOptions.defaults(), KvStorage.F32).combos());
    }
}
