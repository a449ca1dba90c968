package io.github.compresskv.eval.longbench;

import io.github.compresskv.format.ModelSources;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pred.py's middle truncation with the embedded model's tokenizer: fits the maximum, keeps head and tail. */
class MiddleTruncationTest {
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")));
    }

    private static String longPrompt() {
        StringBuilder s = new StringBuilder("Read the following text and answer briefly.\n\n");
        for (int i = 0; i < 400; i++) s.append("Sentence number ").append(i).append(" talks about the weather in town ").append(i % 7).append(". ");
        return s.append("\n\nNow, answer the question.\n\nQuestion: What is the weather?\nAnswer:").toString();
    }

    @Test
    void shortPromptsStayAsTheyAre() {
        MiddleTruncation t = new MiddleTruncation(tokenizer);
        String prompt = "Question: What is it?\nAnswer:";
        MiddleTruncation.Result r = t.truncate(prompt, 1000);
        assertSame(prompt, r.prompt());
        assertFalse(r.truncated());
        assertEquals(t.tokenCount(prompt), r.originalTokens());
    }

    @Test
    void longPromptsKeepTheirHeadAndTailWithinTheMaximum() {
        MiddleTruncation t = new MiddleTruncation(tokenizer);
        String prompt = longPrompt();
        int original = t.tokenCount(prompt);
        for (int max : new int[]{64, 257, 1000}) {
            MiddleTruncation.Result r = t.truncate(prompt, max);
            assertTrue(original > max && r.truncated() && r.originalTokens() == original);
            int tokens = t.tokenCount(r.prompt());
            assertTrue(tokens <= max && tokens >= max - 4, "max " + max + ": " + tokens + " tokens");
            assertTrue(r.prompt().startsWith("Read the following text and answer briefly."), r.prompt());
            assertTrue(r.prompt().endsWith("Question: What is the weather?\nAnswer:"), r.prompt());
            assertFalse(r.prompt().contains("Sentence number 200 "), "the middle goes");
        }
    }

    @Test
    void halvesAreTheFirstAndLastHalfOfTheTokens() {
        MiddleTruncation t = new MiddleTruncation(tokenizer);
        String prompt = longPrompt();
        int[] ids = tokenizer.encode(prompt, tokenizer.addBosByDefault(), true);
        int half = 100;
        String expected = tokenizer.decode(java.util.Arrays.copyOfRange(ids, 0, half), true)
                + tokenizer.decode(java.util.Arrays.copyOfRange(ids, ids.length - half, ids.length), true);
        String actual = t.truncate(prompt, 2 * half + 1).prompt();
        assertEquals(expected, actual, "pred.py's cut (it re-tokenises within the maximum here)");
    }
}
