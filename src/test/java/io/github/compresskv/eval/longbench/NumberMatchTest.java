package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** count_score and retrieval_score(_zh): the share of the prediction's numbers equal to the true one. */
class NumberMatchTest {
    @Test
    void count() {
        assertEquals(1.0, NumberMatch.count("There are 7 unique paragraphs.", "7"), 0);
        assertEquals(0.5, NumberMatch.count("7 or 8", "7"), 0);
        assertEquals(1.0 / 3, NumberMatch.count("7 or 8 or 07", "7"), 0, "\"07\" is not \"7\"");
        assertEquals(0.0, NumberMatch.count("seven", "7"), 0);
        assertEquals(0.0, NumberMatch.count("17", "7"), 0, "digit runs are whole numbers");
        assertEquals(0.0, NumberMatch.count("\uff17", "7"), 0, "a full-width digit is a number but not \"7\"");
    }

    @Test
    void retrievalParsesParagraphN() {
        assertEquals(1.0, NumberMatch.retrievalEnglish("Paragraph 3", "Paragraph 3"), 0);
        assertEquals(1.0, NumberMatch.retrievalEnglish("3", "Paragraph 3"), 0);
        assertEquals(0.5, NumberMatch.retrievalEnglish("Paragraph 3 and Paragraph 13", "Paragraph 13"), 0);
        assertEquals(0.0, NumberMatch.retrievalEnglish("Paragraph 30", "Paragraph 3"), 0);
        assertEquals(1.0, NumberMatch.retrievalChinese("答案是段落5", "段落5"), 0);
        assertEquals(0.5, NumberMatch.retrievalChinese("段落5或段落6", "段落6"), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumberMatch.retrievalEnglish("3", "Chapter 3"));
        assertTrue(e.getMessage().contains("Chapter 3") && e.getMessage().contains("Paragraph N"), e.getMessage());
    }
}
