package io.github.compresskv.eval.longbench;

import io.github.compresskv.needle.Rouge;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * metrics.py's {@code rouge_score}: the ROUGE-L F-score of the {@code rouge} package (pltrdy/rouge 1.0.1,
 * {@code Rouge().get_scores([pred], [truth], avg=True)["rouge-l"]["f"]}, default {@code exclusive=True}), which is
 * its own summary-level variant, not the textbook one:
 * <ul>
 *   <li>sentences: the text split at every "." (empty pieces dropped), each piece's whitespace collapsed to single
 *       spaces; words: each sentence split at " ";</li>
 *   <li>m and n are the numbers of <em>distinct</em> words of the reference and of the prediction;</li>
 *   <li>for every (reference sentence, predicted sentence) pair one LCS is reconstructed by the package's
 *       back-tracking (diagonal on a match, else up when the cell above is strictly larger, else left); the hit count
 *       is the number of distinct words in the union of all these LCS word sets;</li>
 *   <li>P = hits / n, R = hits / m, F = 2·(P·R) / (P + R + 1e-8);</li>
 *   <li>no sentence on either side (an empty text, or only dots) makes the package raise, which metrics.py turns
 *       into 0.</li>
 * </ul>
 * The package back-tracks recursively, so a sentence pair longer than about 1000 words exceeds Python's recursion
 * limit and metrics.py scores 0; this class has no such limit (documented in docs/evaluation-longbench.md).
 * {@link #chinese} is {@code rouge_zh_score}: the same on the {@link ChineseSegmentation} tokens joined by spaces.
 */
final class RougeL {
    private RougeL() {}

    static double english(String prediction, String groundTruth) {
        List<String> hyp = sentences(prediction);
        List<String> ref = sentences(groundTruth);
        if (hyp.isEmpty() || ref.isEmpty()) return 0.0;
        int m = distinctWords(ref);
        int n = distinctWords(hyp);
        Set<String> union = new HashSet<>();
        for (String r : ref) {
            String[] refWords = words(r);
            for (String h : hyp) union.addAll(lcsWords(refWords, words(h)));
        }
        double hits = union.size();
        double recall = hits / m;
        double precision = hits / n;
        return 2.0 * ((precision * recall) / (precision + recall + 1e-8));
    }

    static double chinese(String prediction, String groundTruth) {
        return english(String.join(" ", ChineseSegmentation.tokens(prediction)),
                String.join(" ", ChineseSegmentation.tokens(groundTruth)));
    }

    /** {@code [" ".join(_.split()) for _ in text.split(".") if len(_) > 0]}. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int dot = text.indexOf('.', start);
            int end = dot < 0 ? text.length() : dot;
            if (end > start) out.add(PythonText.collapseWhitespace(text.substring(start, end)));
            if (dot < 0) break;
            start = dot + 1;
        }
        return out;
    }

    /** Python's {@code sentence.split(" ")}: keeps empty words (an all-whitespace piece gives one empty word). */
    private static String[] words(String sentence) {
        return sentence.split(" ", -1);
    }

    private static int distinctWords(List<String> sentences) {
        Set<String> all = new HashSet<>();
        for (String s : sentences) all.addAll(Arrays.asList(words(s)));
        return all.size();
    }

    /** The words of the LCS of x and y as the package reconstructs it (its tie rule decides which LCS). */
    static List<String> lcsWords(String[] x, String[] y) {
        int n = x.length, m = y.length;
        int[][] table = new int[n + 1][m + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                table[i][j] = x[i - 1].equals(y[j - 1]) ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        List<String> reversed = new ArrayList<>();
        int i = n, j = m;
        while (i > 0 && j > 0) {
            if (x[i - 1].equals(y[j - 1])) {
                reversed.add(x[i - 1]);
                i--;
                j--;
            } else if (table[i - 1][j] > table[i][j - 1]) {
                i--;
            } else {
                j--;
            }
        }
        return reversed.reversed();
    }
}
