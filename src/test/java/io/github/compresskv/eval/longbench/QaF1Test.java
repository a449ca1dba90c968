package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** qa_f1_score / qa_f1_zh_score on hand-computed cases (all values also agree with metrics.py run on the same strings). */
class QaF1Test {
    @Test
    void normalisationLowercasesDropsPunctuationArticlesAndExtraWhitespace() {
        assertEquals("eiffel tower", AnswerNormalization.english("The Eiffel Tower!"));
        assertEquals("us its apple theory", AnswerNormalization.english("The U.S. it's An apple, theory"));
        // articles are whole words only ("theory", "another" stay); Python's str.split() also splits at no-break spaces
        assertEquals("theory another", AnswerNormalization.english("theory another"));
        assertEquals("b", AnswerNormalization.english("  a\u00a0b "));
        // punctuation is removed before articles: "a." becomes the article "a"
        assertEquals("cat", AnswerNormalization.english("a. cat"));
    }

    @Test
    void tokenF1() {
        // [cat sat on mat] vs [cat sat]: 2 shared, P = 2/4, R = 2/2, F1 = 2/3
        assertEquals(2.0 / 3, QaF1.english("The cat sat on the mat", "A cat sat"), 1e-15);
        // a repeated token counts once per occurrence in the truth: P = 1/3, R = 1, F1 = 0.5
        assertEquals(0.5, QaF1.english("cat cat cat", "cat"), 1e-15);
        assertEquals(1.0, QaF1.english("Paris.", "paris"), 0);
        assertEquals(0.0, QaF1.english("London", "Paris"), 0);
        assertEquals(0.0, QaF1.english("", "Paris"), 0);
        assertEquals(0.0, QaF1.english("the", "a"), 0);
    }

    @Test
    void chineseIsCharacterLevelAfterPunctuationRemoval() {
        assertEquals(List.of("他", "在", "2019", "年", "去", "了", "Shanghai", "。"), ChineseSegmentation.tokens("他在2019年去了 Shanghai。"));
        // 北 京 是 首 都 (。 becomes empty and is dropped) vs 北 京: P = 2/5, R = 1, F1 = 4/7
        assertEquals(4.0 / 7, QaF1.chinese("北京是首都。", "北京"), 1e-15);
        assertEquals(1.0, QaF1.chinese("“北京”", "北京"), 0);
        assertEquals("abcd", AnswerNormalization.chinese("A？ b，c！ d"));
    }
}
