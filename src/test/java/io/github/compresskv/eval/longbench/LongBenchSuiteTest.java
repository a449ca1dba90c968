package io.github.compresskv.eval.longbench;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalSuite.ScoredItem;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.github.compresskv.eval.longbench.LongBenchFiles.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The suite end to end on small LongBench-format files: items, policies, truncation, scoring, aggregation. */
class LongBenchSuiteTest {
    static Tokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")));
    }

    private void writeFiles() throws IOException {
        LongBenchFiles.write(dir, "hotpotqa", List.of(
                record("hotpotqa", "h1", "Where is the tower?", "The tower is in Paris.", List.of("Paris"), null),
                record("hotpotqa", "h2", "Who built it?", "Eiffel built it.", List.of("Eiffel", "Gustave Eiffel"), null),
                record("hotpotqa", "h3", "When?", "In 1889.", List.of("1889"), null)));
        LongBenchFiles.write(dir, "trec", List.of(
                record("trec", "t1", "What is a cat?", "Question: What is a dog?\nType: Animal", List.of("Animal"), List.of("Animal", "Food"))));
        LongBenchFiles.write(dir, "lcc", List.of(record("lcc", "c1", "", "int a = 1;\n", List.of("return a;"), null)));
        LongBenchFiles.writeText(dir, "notes", "not a LongBench file\n");
    }

    @Test
    void itemsFollowTheOfficialRecipe() throws IOException {
        writeFiles();
        LongBenchSuite suite = new LongBenchSuite(dir, List.of(), 0);
        assertEquals("longbench", suite.name());
        assertEquals(List.of("hotpotqa", "trec", "lcc"), suite.datasets(), "found files, in pred.py's order");
        List<EvalItem> items = suite.items(tokenizer, 10_000);
        assertEquals(List.of("hotpotqa/h1", "hotpotqa/h2", "hotpotqa/h3", "trec/t1", "lcc/c1"), items.stream().map(EvalItem::id).toList());

        EvalItem h1 = items.getFirst();
        assertEquals(LongBenchConfig.official().template(LongBenchTask.HOTPOTQA).fill("The tower is in Paris.", "Where is the tower?"), h1.prompt());
        assertTrue(h1.chat());
        assertEquals(32, h1.maxNewTokens());
        assertEquals(List.of("Paris"), h1.references());
        assertEquals("multi-doc-qa", h1.attributes().get("category"));
        assertEquals("false", h1.attributes().get("truncated"));

        EvalItem trec = items.get(3);
        assertFalse(trec.chat(), "few-shot: no chat template");
        assertEquals(64, trec.maxNewTokens());
        assertEquals("[\"Animal\",\"Food\"]", trec.attributes().get("all_classes"));
        assertEquals("Please complete the code given below. \nint a = 1;\nNext line of code:\n", items.get(4).prompt());
        assertFalse(items.get(4).chat());
    }

    @Test
    void scoresWithTheDatasetsMetricAndAggregates() throws IOException {
        writeFiles();
        LongBenchSuite suite = new LongBenchSuite(dir, List.of("trec", "hotpotqa"), 2);
        List<EvalItem> items = suite.items(tokenizer, 10_000);
        assertEquals(List.of("trec/t1", "hotpotqa/h1", "hotpotqa/h2"), items.stream().map(EvalItem::id).toList(), "requested order, 2 per dataset");
        EvalItem trec = items.get(0);
        assertEquals(1.0, suite.score(trec, "Animal\nFood"), 0, "first line only, classes from the item");
        assertEquals(0.5, suite.score(trec, "Animal or Food"), 0);
        assertEquals(1.0, suite.score(items.get(2), "Gustave Eiffel."), 0, "best over the answers");
        List<ScoredItem> scored = new ArrayList<>();
        for (EvalItem item : items) scored.add(new ScoredItem(item, "Paris", suite.score(item, "Paris")));
        Map<String, Double> a = suite.aggregate(scored);
        assertEquals(0.0, a.get("trec"), 0);
        assertEquals(0.5, a.get("hotpotqa"), 1e-12);
        assertEquals(0.25, a.get("average"), 1e-12);
    }

    @Test
    void longPromptsAreCutInTheMiddleToTheMaximum() throws IOException {
        StringBuilder context = new StringBuilder();
        for (int i = 0; i < 300; i++) context.append("Passage ").append(i).append(" is about nothing in particular. ");
        LongBenchFiles.write(dir, "musique", List.of(record("musique", "m1", "Which passage?", context.toString(), List.of("none"), null)));
        EvalItem item = new LongBenchSuite(dir, List.of(), 0).items(tokenizer, 200).getFirst();
        assertEquals("true", item.attributes().get("truncated"));
        assertTrue(Integer.parseInt(item.attributes().get("prompt_tokens")) > 200);
        assertTrue(new MiddleTruncation(tokenizer).tokenCount(item.prompt()) <= 200);
        assertTrue(item.prompt().startsWith("Answer the question based on the given passages."));
        assertTrue(item.prompt().endsWith("Question: Which passage?\nAnswer:"));
    }

    @Test
    void badArgumentsAreNamed() throws IOException {
        writeFiles();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LongBenchSuite(dir, List.of("qasper"), 0))
                .getMessage().contains("qasper.jsonl does not exist"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LongBenchSuite(dir, List.of("notes"), 0))
                .getMessage().contains("unknown LongBench dataset \"notes\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LongBenchSuite(dir.resolve("nope"), List.of(), 0))
                .getMessage().contains("is not a directory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LongBenchSuite(dir, List.of(), -1))
                .getMessage().contains("≥ 0"));
        Path empty = dir.resolve("empty");
        java.nio.file.Files.createDirectory(empty);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LongBenchSuite(empty, List.of(), 0))
                .getMessage().contains("no LongBench files"));
    }
}
