package io.github.compresskv.eval.longbench;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * metrics.py's answer normalisation. English ({@code normalize_answer}, the SQuAD rule): lower-case, delete ASCII
 * punctuation ({@code string.punctuation}), replace the words a / an / the by a space, collapse whitespace. Chinese
 * ({@code normalize_zh_answer}): lower-case, delete ASCII and Chinese punctuation, delete all whitespace.
 */
final class AnswerNormalization {
    /** Python's {@code string.punctuation}. */
    static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    /** The {@code cn_punctuation} string of metrics.py (it ends with an ASCII period, already in the ASCII set). */
    static final String CHINESE_PUNCTUATION =
            "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏.";

    /** {@code \b(a|an|the)\b} with Python 3's Unicode word boundaries. */
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private AnswerNormalization() {}

    static String english(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        String noPunctuation = remove(lower, ASCII_PUNCTUATION);
        String noArticles = ARTICLES.matcher(noPunctuation).replaceAll(" ");
        return PythonText.collapseWhitespace(noArticles);
    }

    static String chinese(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        String noPunctuation = remove(lower, ASCII_PUNCTUATION + CHINESE_PUNCTUATION);
        return String.join("", PythonText.split(noPunctuation));
    }

    private static String remove(String s, String characters) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().filter(cp -> characters.indexOf(cp) < 0).forEach(out::appendCodePoint);
        return out.toString();
    }
}
