package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rouge package's ROUGE-L F on hand-worked cases, including its distinct-word and sentence-union rules. */
class RougeLTest {
    @Test
    void handWorkedLcs() {
        // reference "the cat sat on the mat": distinct words {the, cat, sat, on, mat} → m = 5
        // prediction "the cat lay on a mat": distinct words → n = 6
        // LCS: the cat on mat → 4 words; P = 4/6, R = 4/5, F = 2·(P·R)/(P + R + 1e-8) ≈ 16/22
        double p = 4.0 / 6, r = 4.0 / 5;
        assertEquals(2.0 * ((p * r) / (p + r + 1e-8)), RougeL.english("the cat lay on a mat", "the cat sat on the mat"), 1e-15);
        assertEquals(16.0 / 22, RougeL.english("the cat lay on a mat", "the cat sat on the mat"), 1e-8);
    }

    @Test
    void countsDistinctWordsAndUnitesLcsOverSentencePairs() {
        // textbook ROUGE-L would give P = 1/3; the package counts distinct words: m = n = hits = 1
        assertEquals(1.0, RougeL.english("a a a", "a"), 1e-8);
        // sentences are split at "." and every (reference, prediction) sentence pair contributes its LCS words
        assertEquals(1.0, RougeL.english("c d. a b", "a b. c d"), 1e-8);
        assertEquals(List.of("a b", "c d"), RougeL.sentences("a  b..\tc\nd."));
        assertEquals(List.of("", "x"), RougeL.sentences(" . x"), "a whitespace-only piece is kept as an empty sentence");
    }

    @Test
    void noSentenceOnEitherSideScoresZero() {
        assertEquals(0.0, RougeL.english("", "the cat"), 0);
        assertEquals(0.0, RougeL.english("...", "the cat"), 0);
        assertEquals(0.0, RougeL.english("the cat", ""), 0);
        assertEquals(0.0, RougeL.english("dog", "cat"), 0);
    }

    @Test
    void backtrackingPrefersLeftOnTies() {
        // x = [a b], y = [b a]: at (2,2) up and left tie (1 = 1) → left; then b = b matches
        assertEquals(List.of("b"), RougeL.lcsWords(new String[]{"a", "b"}, new String[]{"b", "a"}));
        assertEquals(List.of("the", "cat", "on", "mat"),
                RougeL.lcsWords("the cat sat on the mat".split(" "), "the cat lay on a mat".split(" ")));
    }

    @Test
    void chineseOnCharacters() {
        // 今 天 天 气 不 好 vs 今 天 天 气 很 好: 5 distinct each; LCS 今天天气好 → distinct {今 天 气 好} = 4; P = R = 4/5
        double p = 0.8;
        assertEquals(2.0 * ((p * p) / (p + p + 1e-8)), RougeL.chinese("今天天气很好", "今天天气不好"), 1e-15);
    }
}
