package io.github.compresskv.eval.longbench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * metrics.py's {@code count_score}, {@code retrieval_score} and {@code retrieval_zh_score}: the share of all digit
 * runs in the prediction ({@code re.findall(r"\d+")}, Unicode digits as in Python 3) that equal the true number as
 * strings (so "07" does not equal "7"); 0 when the prediction has no number. For retrieval the true number is the
 * first "Paragraph N" (English) or "段落N" (Chinese) of the answer.
 */
final class NumberMatch {
    private static final Pattern DIGITS = Pattern.compile("\\d+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PARAGRAPH_EN = Pattern.compile("Paragraph (\\d+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PARAGRAPH_ZH = Pattern.compile("段落(\\d+)", Pattern.UNICODE_CHARACTER_CLASS);

    private NumberMatch() {}

    static double count(String prediction, String groundTruth) {
        return shareEqualTo(prediction, groundTruth);
    }

    static double retrievalEnglish(String prediction, String groundTruth) {
        return shareEqualTo(prediction, paragraphNumber(groundTruth, PARAGRAPH_EN, "Paragraph N"));
    }

    static double retrievalChinese(String prediction, String groundTruth) {
        return shareEqualTo(prediction, paragraphNumber(groundTruth, PARAGRAPH_ZH, "段落N"));
    }

    private static String paragraphNumber(String groundTruth, Pattern pattern, String form) {
        Matcher m = pattern.matcher(groundTruth);
        if (!m.find()) {
            throw new IllegalArgumentException("retrieval answer \"" + groundTruth + "\" has no \"" + form + "\" to score against");
        }
        return m.group(1);
    }

    private static double shareEqualTo(String prediction, String number) {
        List<String> numbers = new ArrayList<>();
        Matcher m = DIGITS.matcher(prediction);
        while (m.find()) numbers.add(m.group());
        if (numbers.isEmpty()) return 0.0;
        long right = numbers.stream().filter(number::equals).count();
        return (double) right / numbers.size();
    }
}
