package io.github.compresskv.eval.longbench;

import java.util.ArrayList;
import java.util.List;

/**
 * metrics.py's {@code classification_score} (trec, lsht): collect the class names that occur as substrings of the
 * prediction; drop those that are strict substrings of the true class (so "abbreviation" is not penalised for also
 * containing "abb"); score 1 / (number left) when the true class is among them, else 0.
 * <p>
 * The drop loop is reproduced with its Python behaviour: it removes from the list it iterates over, so the element
 * right after a removed one is not examined and may stay. (metrics.py's difflib fallback sits behind the condition
 * {@code em_match_list != 0}, a list compared with an int, which is always true, so it never runs.)
 */
final class Classification {
    private Classification() {}

    static double score(String prediction, String groundTruth, List<String> allClasses) {
        List<String> matches = new ArrayList<>();
        for (String c : allClasses) if (prediction.contains(c)) matches.add(c);
        // Python's list iterator walks by index while the body removes: mirror it exactly
        for (int i = 0; i < matches.size(); ) {
            String term = matches.get(i++);
            if (groundTruth.contains(term) && !term.equals(groundTruth)) matches.remove(term);
        }
        return matches.contains(groundTruth) ? 1.0 / matches.size() : 0.0;
    }
}
