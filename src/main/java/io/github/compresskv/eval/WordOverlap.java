package io.github.compresskv.eval;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The needle score the paper plots ("Average Score", method notes §7.2): the share of the distinct lower-cased
 * whitespace-separated words of the expected answer that also occur among the response's words. Words keep their
 * punctuation, as in the authors' script ("day." matches "day." only).
 */
public final class WordOverlap {
    private WordOverlap() {}

    /** |words(response) ∩ words(expected)| / |words(expected)|, 0…1 (0 when the expected text has no words). */
    public static double score(String expected, String response) {
        Set<String> want = words(expected);
        if (want.isEmpty()) return 0;
        Set<String> got = words(response);
        int hits = 0;
        for (String w : want) if (got.contains(w)) hits++;
        return (double) hits / want.size();
    }

    static Set<String> words(String text) {
        String t = text.toLowerCase(Locale.ROOT).strip();
        if (t.isEmpty()) return Set.of();
        return new HashSet<>(Arrays.asList(t.split("\\s+")));
    }
}
