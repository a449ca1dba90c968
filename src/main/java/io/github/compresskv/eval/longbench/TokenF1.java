package io.github.compresskv.eval.longbench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.py's {@code f1_score}: the multiset overlap of two token lists ({@code Counter(p) & Counter(g)}),
 * precision over the prediction, recall over the ground truth, harmonic mean; 0 when nothing overlaps.
 */
final class TokenF1 {
    private TokenF1() {}

    static double f1(List<String> prediction, List<String> groundTruth) {
        Map<String, Integer> truthCounts = new HashMap<>();
        for (String t : groundTruth) truthCounts.merge(t, 1, Integer::sum);
        int same = 0;
        for (String t : prediction) {
            Integer left = truthCounts.get(t);
            if (left != null && left > 0) {
                same++;
                truthCounts.put(t, left - 1);
            }
        }
        if (same == 0) return 0;
        double precision = 1.0 * same / prediction.size();
        double recall = 1.0 * same / groundTruth.size();
        return 2 * precision * recall / (precision + recall);
    }
}
