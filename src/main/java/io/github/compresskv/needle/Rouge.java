package io.github.compresskv.needle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-1 as the {@code rouge_score} package computes it with {@code use_stemmer=True}: lower-case, every run of
 * characters other than a–z / 0–9 becomes a space, split on whitespace, Porter-stem tokens longer than 3
 * characters; unigram overlap counts each token at most min(count in reference, count in candidate) times.
 */
public final class Rouge {
    private Rouge() {}

    /** The tokens ROUGE compares. */
    public static List<String> tokens(String text) {
        String cleaned = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ");
        List<String> out = new ArrayList<>();
        for (String t : cleaned.trim().split("\\s+")) {
            if (t.isEmpty()) continue;
            out.add(t.length() > 3 ? PorterStemmer.stem(t) : t);
        }
        return out;
    }

    /** ROUGE-1 recall of {@code reference} in {@code candidate}, 0…1 (0 when the reference has no tokens). */
    public static double rouge1Recall(String reference, String candidate) {
        List<String> ref = tokens(reference);
        if (ref.isEmpty()) return 0;
        return (double) overlap(ref, tokens(candidate)) / ref.size();
    }

    private static int overlap(List<String> ref, List<String> cand) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : cand) counts.merge(t, 1, Integer::sum);
        int hits = 0;
        for (String t : ref) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                hits++;
                counts.put(t, c - 1);
            }
        }
        return hits;
    }
}
