package io.github.compresskv.eval.longbench;

import java.util.ArrayList;
import java.util.List;

/**
 * metrics.py's {@code qa_f1_score} (normalise both strings, split on whitespace, token F1) and
 * {@code qa_f1_zh_score} (segment, normalise every token, drop the ones that became empty, token F1), the latter
 * with {@link ChineseSegmentation} in place of jieba.
 */
final class QaF1 {
    private QaF1() {}

    static double english(String prediction, String groundTruth) {
        return TokenF1.f1(PythonText.split(AnswerNormalization.english(prediction)),
                PythonText.split(AnswerNormalization.english(groundTruth)));
    }

    static double chinese(String prediction, String groundTruth) {
        return TokenF1.f1(normalizedChineseTokens(prediction), normalizedChineseTokens(groundTruth));
    }

    private static List<String> normalizedChineseTokens(String s) {
        List<String> out = new ArrayList<>();
        for (String t : ChineseSegmentation.tokens(s)) {
            String n = AnswerNormalization.chinese(t);
            if (!n.isEmpty()) out.add(n);
        }
        return out;
    }
}
