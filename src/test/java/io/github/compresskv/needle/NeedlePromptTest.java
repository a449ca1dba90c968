package io.github.compresskv.needle;

import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import io.github.compresskv.format.ModelSources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The §3.2 construction on token ids: trimming, the 200-token buffer, insertion after a "." token. */
class NeedlePromptTest {
    static Tokenizer tokenizer;
    static int period;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")));
        int[] p = tokenizer.encode(".", false, false);
        assertEquals(1, p.length, "\".\" is one token");
        period = p[0];
    }

    /** A haystack of n tokens (id 5) with a "." at the given positions. */
    private static int[] hay(int n, int... periods) {
        int[] h = new int[n];
        Arrays.fill(h, 5);
        for (int p : periods) h[p] = period;
        return h;
    }

    @Test
    void trimsToLengthKeepsTheBufferAndInsertsAfterAPeriod() {
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        int[] needle = {7, 7, 7};
        // length 400: target 200, haystack cut to 200 - 3 = 197 tokens; depth 50 → ⌊197·0.5⌋ = 98, moved back to 61 (after "." at 60)
        int[] ctx = np.contextTokens(hay(1000, 60, 120), needle, 400, 50);
        assertEquals(200, ctx.length);
        assertEquals(period, ctx[60]);
        assertArrayEquals(needle, Arrays.copyOfRange(ctx, 61, 64));
        assertEquals(5, ctx[64]);
    }

    @Test
    void depthZeroPrependsAndDepthHundredAppends() {
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        int[] needle = {7, 8};
        int[] front = np.contextTokens(hay(300, 10), needle, 300, 0);
        assertArrayEquals(needle, Arrays.copyOf(front, 2));
        int[] back = np.contextTokens(hay(300, 10), needle, 300, 100);
        assertEquals(100, back.length, "target 100 = 300 − 200: haystack 98 + needle 2");
        assertArrayEquals(needle, Arrays.copyOfRange(back, 98, 100));
        // no period before the insertion point → moved back to the start
        assertArrayEquals(needle, Arrays.copyOf(np.contextTokens(hay(300), needle, 300, 67), 2));
    }

    @Test
    void shortHaystackIsNotCut() {
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        int[] ctx = np.contextTokens(hay(50, 20), new int[] {7}, 1000, 100);
        assertEquals(51, ctx.length);
    }

    @Test
    void promptUsesTheLayoutAndContainsTheNeedle() {
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        int[] haystack = tokenizer.encode("It was a dark night. The wind blew. ".repeat(100), false, false);
        Needle n = new Needle("\nThe best thing to do in Oslo is swim.\n", "What is the best thing to do in Oslo?", "swim");
        String prompt = np.prompt(haystack, n, 512, 50);
        assertTrue(prompt.startsWith("This is a very long story book: <book> It was a dark night."), prompt);
        assertTrue(prompt.contains(".\nThe best thing to do in Oslo is swim.\n"), prompt);
        assertTrue(prompt.endsWith(" </book>.\n Based on the content of the book, Question: What is the best thing to do in Oslo?\nAnswer:"));
        assertThrows(IllegalArgumentException.class, () -> np.contextTokens(haystack, new int[10], 205, 0));
    }
}
