package io.github.compresskv.eval.niah;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.needle.NeedlePrompt;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NIAH suite's items: one needle at the requested depth (± one sentence), prompt length within the buffer rule. */
class NeedleSuiteTest {
    static Tokenizer tokenizer;
    static final String PREFIX = "This is a very long story book: <book> ";
    static final String SUFFIX = " </book>.\n Based on the content of the book, Question: ";

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")));
    }

    @Test
    void needleOnceAtItsDepthAfterASentenceAndThePromptWithinTheBuffer() {
        int[] lengths = {600, 1500};
        int[] depths = {0, 11, 33, 50, 89, 100};
        NeedleSuite suite = NeedleSuite.paper(lengths, Haystack.walden());
        List<EvalItem> items = suite.items(tokenizer, 4000);
        assertEquals(lengths.length * NeedleSuite.PAPER_DEPTHS.length, items.size());
        suite = new NeedleSuite(lengths, depths, NeedleSuite.PAPER_NEEDLE, Haystack.walden(), PromptLayout.PAPER, 50, true);
        items = suite.items(tokenizer, 4000);
        assertEquals(lengths.length * depths.length, items.size());
        String needle = NeedleSuite.PAPER_NEEDLE.sentence().strip();
        for (EvalItem item : items) {
            int length = Integer.parseInt(item.attributes().get("length"));
            int depth = Integer.parseInt(item.attributes().get("depth"));
            String p = item.prompt();
            assertEquals(p.indexOf(needle), p.lastIndexOf(needle), item.id() + ": the needle appears once");
            assertTrue(p.indexOf(needle) >= 0, item.id() + ": the needle is there");
            int tokens = tokenizer.encode(p, tokenizer.addBosByDefault(), true).length;
            // the context is length − 200 tokens; the layout adds what the buffer is for
            assertTrue(tokens <= length && tokens >= length - NeedlePrompt.BUFFER, item.id() + ": " + tokens + " prompt tokens");

            String context = p.substring(PREFIX.length(), p.indexOf(SUFFIX));
            int at = context.indexOf(needle);
            String before = context.substring(0, at).stripTrailing();
            String after = context.substring(at + needle.length()).stripLeading();
            int hayTokens = tokenizer.encode(before + " " + after, false, false).length;
            int beforeTokens = before.isEmpty() ? 0 : tokenizer.encode(before, false, false).length;
            int target = hayTokens * depth / 100;
            if (depth == 100) {
                assertTrue(after.isEmpty(), item.id() + ": depth 100 appends");
                continue;
            }
            assertTrue(before.isEmpty() || before.endsWith("."), item.id() + ": inserted after a sentence: …" + tail(before));
            assertTrue(beforeTokens <= target + 2, item.id() + ": " + beforeTokens + " tokens before, target " + target);
            // ± one sentence: no sentence end between the insertion point and the target
            String skipped = tokenizer.decode(java.util.Arrays.copyOfRange(tokenizer.encode(after, false, false), 0,
                    Math.max(0, target - beforeTokens - 2)), true);
            assertTrue(!skipped.contains(". "), item.id() + ": a whole sentence lies between the needle and its depth: " + skipped);
        }
    }

    @Test
    void scoresAndAggregatesFollowThePaper() {
        NeedleSuite suite = NeedleSuite.paper(new int[] {600}, Haystack.walden());
        EvalItem item = suite.items(tokenizer, 4000).get(0);
        assertEquals(1.0, suite.score(item, " eat a sandwich and sit in Dolores Park on a sunny day."), 1e-12);
        Map<String, Double> agg = suite.aggregate(List.of(
                new NeedleSuite.ScoredItem(item, "eat a sandwich and sit in Dolores Park on a sunny day.", 1.0),
                new NeedleSuite.ScoredItem(item, "nothing", 0.0)));
        assertEquals(0.5, agg.get("average"), 1e-12);
        // the stored score: ROUGE-1 recall of the whole needle sentence, here averaged with a miss
        double r = io.github.compresskv.needle.Rouge.rouge1Recall(NeedleSuite.PAPER_NEEDLE.sentence(), "eat a sandwich and sit in Dolores Park on a sunny day.");
        assertEquals(r / 2, agg.get("rouge1_recall"), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> suite.items(tokenizer, 500));
        assertEquals(0.5, agg.get("exact"), 1e-12);
    }

    @Test
    void exactAnswersIgnoreCaseSpacesOneTrailingPeriodAndLaterLines() {
        assertTrue(NeedleSuite.exactAnswer("moor the artificer.", " Moor  the artificer\nQuestion: x"));
        assertTrue(NeedleSuite.exactAnswer("moor the artificer.", "moor the artificer."));
        assertFalse(NeedleSuite.exactAnswer("moor the artificer.", "moor the artifice."));
        assertFalse(NeedleSuite.exactAnswer("moor the artificer.", "moor the artificer near the sea."));
    }

    @Test
    void severalNeedlesProbeEveryCellOncePerNeedle() {
        List<io.github.compresskv.needle.Needle> needles = List.of(
                new io.github.compresskv.needle.Needle("\nThe best thing to do in Oslo is moor the boat.\n", "What is the best thing to do in Oslo?", "moor the boat."),
                new io.github.compresskv.needle.Needle("\nThe best thing to do in Lima is bake a pie.\n", "What is the best thing to do in Lima?", "bake a pie."));
        NeedleSuite suite = new NeedleSuite(new int[] {600, 800}, new int[] {0, 50, 100}, needles, Haystack.walden(),
                PromptLayout.PAPER, 20, true);
        List<EvalItem> items = suite.items(tokenizer, 4000);
        assertEquals(2 * 3 * 2, items.size());
        assertEquals(items.size(), items.stream().map(EvalItem::id).distinct().count());
        for (EvalItem it : items) {
            var n = needles.get(Integer.parseInt(it.attributes().get("needle")));
            assertEquals(List.of(n.answer()), it.references());
            assertTrue(it.prompt().contains(n.sentence().strip()), it.id());
            assertTrue(it.prompt().contains(n.question()), it.id());
        }
        // one needle per cell, round-robin: cells alternate between the two needles
        List<EvalItem> one = new NeedleSuite(new int[] {600, 800}, new int[] {0, 50, 100}, needles, 1, Haystack.walden(),
                PromptLayout.PAPER, 20, true).items(tokenizer, 4000);
        assertEquals(6, one.size());
        for (int c = 0; c < one.size(); c++) assertEquals(Integer.toString(c % 2), one.get(c).attributes().get("needle"));
        assertThrows(IllegalArgumentException.class, () -> new NeedleSuite(new int[] {600}, new int[] {0}, needles, 3,
                Haystack.walden(), PromptLayout.PAPER, 20, true));
    }

    private static String tail(String s) { return s.substring(Math.max(0, s.length() - 40)); }
}
