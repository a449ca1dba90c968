package io.github.compresskv.eval.ruler;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RULER-style generators: seeded determinism, answers present in the context, lengths, scoring. */
class RulerGeneratorTest {
    static Tokenizer tokenizer;
    static final int LENGTH = 1024;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")));
    }

    private static RulerSuite suite(long seed, RulerPrompts prompts) {
        return new RulerSuite(List.of(RulerTask.values()), new int[] {LENGTH}, 2, seed, Haystack.walden(), prompts);
    }

    @Test
    void sameSeedSameItemsOtherSeedOtherItems() {
        List<EvalItem> a = suite(7, RulerPrompts.MODEL_DEFAULT).items(tokenizer, 8000);
        List<EvalItem> b = suite(7, RulerPrompts.MODEL_DEFAULT).items(tokenizer, 8000);
        List<EvalItem> c = suite(8, RulerPrompts.MODEL_DEFAULT).items(tokenizer, 8000);
        assertEquals(RulerTask.values().length * 2, a.size());
        assertEquals(a, b);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).id(), c.get(i).id());
            assertNotEquals(a.get(i).prompt(), c.get(i).prompt(), a.get(i).id());
        }
        assertNotEquals(a.get(0).references(), a.get(1).references(), "two samples of one task differ");
    }

    @Test
    void answersAreInTheContextAndPromptsFitTheLength() {
        for (RulerPrompts prompts : List.of(RulerPrompts.MODEL_DEFAULT, RulerPrompts.RULER)) {
            for (EvalItem item : suite(3, prompts).items(tokenizer, 8000)) {
                RulerTask task = RulerTask.byId(item.task());
                int tokens = tokenizer.encode(item.prompt(), tokenizer.addBosByDefault(), true).length;
                assertTrue(tokens <= LENGTH - task.maxNewTokens(), item.id() + ": " + tokens + " tokens");
                assertTrue(tokens >= (LENGTH - task.maxNewTokens()) * 0.8, item.id() + ": only " + tokens + " tokens; the filler should fill the length");
                assertEquals(item.maxNewTokens(), task.maxNewTokens());
                switch (task) {
                    case NIAH_SINGLE -> assertEquals(1, item.references().size());
                    case NIAH_MULTIKEY -> {
                        assertEquals(1, item.references().size());
                        assertEquals(RulerGenerator.NEEDLES, count(item.prompt(), "special magic numbers? for [a-z]+-[a-z]+ is:? \\d{7}\\."), item.prompt());
                    }
                    case NIAH_MULTIVALUE, NIAH_MULTIQUERY -> assertEquals(RulerGenerator.NEEDLES, item.references().size());
                    case VT -> assertEquals(RulerGenerator.VT_VARIABLES, item.references().size());
                    case CWE -> {
                        assertEquals(RulerGenerator.COMMON_WORDS, item.references().size());
                        Map<String, Integer> counts = numberedWordCounts(item.prompt());
                        int leastCommon = item.references().stream().mapToInt(counts::get).min().orElseThrow();
                        counts.keySet().removeAll(item.references());
                        int mostRare = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
                        assertTrue(leastCommon > mostRare, item.id() + ": common " + leastCommon + " vs others " + mostRare);
                    }
                    case FWE -> {
                        assertEquals(3, item.references().size());
                        Map<String, Integer> counts = wordCounts(item.prompt());
                        int third = item.references().stream().mapToInt(counts::get).min().orElseThrow();
                        counts.keySet().removeAll(item.references());
                        counts.remove("....");
                        assertTrue(counts.values().stream().allMatch(n -> n <= third), item.id());
                    }
                }
                for (String r : item.references()) assertTrue(item.prompt().contains(r), item.id() + ": answer " + r + " is in the context");
                // a prediction that lists the answers scores 1, a partial one its fraction
                RulerSuite s = suite(3, prompts);
                assertEquals(1.0, s.score(item, String.join(", ", item.references())), 1e-12);
                if (item.references().size() > 1) {
                    assertEquals(1.0 / item.references().size(), s.score(item, item.references().get(0)), 1e-12);
                }
            }
        }
    }

    @Test
    void variableTrackingChainKeepsItsOrderAndTheModelStyleUsesTheTrainingPhrasing() {
        EvalItem vt = new RulerSuite(List.of(RulerTask.VT), new int[] {LENGTH}, 1, 1, Haystack.walden(), RulerPrompts.MODEL_DEFAULT)
                .items(tokenizer, 8000).get(0);
        List<String> vars = vt.references();
        Matcher value = Pattern.compile("VAR " + vars.get(0) + " = (\\d{5})\\.").matcher(vt.prompt());
        assertTrue(value.find(), vt.prompt());
        int last = vt.prompt().indexOf("VAR " + vars.get(0));
        for (int i = 1; i < vars.size(); i++) {
            int at = vt.prompt().indexOf("VAR " + vars.get(i) + " = VAR " + vars.get(i - 1) + ".");
            assertTrue(at > last, "hop " + i + " follows hop " + (i - 1));
            last = at;
        }
        assertTrue(vt.prompt().startsWith("This is a very long story book: <book> "), vt.prompt());
        assertTrue(vt.prompt().endsWith("Question: Which variables are assigned the value " + value.group(1) + "?\nAnswer:"), vt.prompt());
    }

    @Test
    void aggregateIsTheMeanPerTaskAndOverTasks() {
        RulerSuite s = suite(0, RulerPrompts.MODEL_DEFAULT);
        EvalItem a = new EvalItem("a", "vt", "p", false, 1, List.of("x"), Map.of());
        EvalItem b = new EvalItem("b", "vt", "p", false, 1, List.of("x"), Map.of());
        EvalItem c = new EvalItem("c", "cwe", "p", false, 1, List.of("x"), Map.of());
        Map<String, Double> agg = s.aggregate(List.of(new RulerSuite.ScoredItem(a, "", 1), new RulerSuite.ScoredItem(b, "", 0),
                new RulerSuite.ScoredItem(c, "", 0.25)));
        assertEquals(0.5, agg.get("vt"), 1e-12);
        assertEquals(0.25, agg.get("cwe"), 1e-12);
        assertEquals(0.375, agg.get("average"), 1e-12);
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    private static Map<String, Integer> numberedWordCounts(String prompt) {
        Map<String, Integer> counts = new HashMap<>();
        Matcher m = Pattern.compile("\\d+\\. ([a-z]+)").matcher(prompt);
        while (m.find()) counts.merge(m.group(1), 1, Integer::sum);
        return counts;
    }

    private static Map<String, Integer> wordCounts(String prompt) {
        Map<String, Integer> counts = new HashMap<>();
        Matcher m = Pattern.compile("(?<=\\s|<book> )([a-z]{6}|\\.\\.\\.\\.)(?=\\s)").matcher(prompt);
        while (m.find()) counts.merge(m.group(1), 1, Integer::sum);
        return counts;
    }
}
