package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** fuzz.ratio (python-Levenshtein) and code_sim_score's line choice on hand-worked examples. */
class CodeSimilarityTest {
    @Test
    void levenshteinRatioIsTwiceTheLcsOverTheTotalLength() {
        // kitten / sitting: LCS "ittn" = 4, 2·4 / 13 = 0.615… → 62
        assertEquals(8.0 / 13, LevenshteinRatio.ratio("kitten", "sitting"), 1e-15);
        assertEquals(62, LevenshteinRatio.fuzzRatio("kitten", "sitting"));
        // halves round to even as Python's round: 2·5/16 = 62.5 → 62, 2·3/16 = 37.5 → 38
        assertEquals(62, LevenshteinRatio.fuzzRatio("abcdefgh", "abcdeXYZ"));
        assertEquals(38, LevenshteinRatio.fuzzRatio("abcdefgh", "abcXYZWV"));
        assertEquals(100, LevenshteinRatio.fuzzRatio("", ""), "equal strings first");
        assertEquals(0, LevenshteinRatio.fuzzRatio("", "a"));
        // code points, not UTF-16 units: one non-BMP character is one symbol (2·1/3 → 67; on UTF-16 units 2·2/5 → 80)
        assertEquals(67, LevenshteinRatio.fuzzRatio("𝒳", "𝒳a"));
    }

    @Test
    void scoresTheFirstLineWithoutFenceOrComment() {
        assertEquals("x = foo(1)", CodeSimilarity.firstCodeLine("\n\n```python\n# comment\nx = foo(1)\n```"));
        assertEquals("return a;", CodeSimilarity.firstCodeLine("int a; // c\nreturn a;"));
        // "#" anywhere in the line disqualifies it, not only at its start
        assertEquals("return a", CodeSimilarity.firstCodeLine("print('#')\nreturn a"));
        assertEquals("", CodeSimilarity.firstCodeLine("# only\n// comments"));
        assertEquals("", CodeSimilarity.firstCodeLine("\n\n"));
        assertEquals(1.0, CodeSimilarity.score("```\nreturn x\n```", "return x"), 0);
        assertEquals(0.0, CodeSimilarity.score("# a comment", "return x"), 0);
        assertEquals(0.62, CodeSimilarity.score("kitten", "sitting"), 0);
    }
}
