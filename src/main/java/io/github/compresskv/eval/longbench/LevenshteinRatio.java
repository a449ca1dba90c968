package io.github.compresskv.eval.longbench;

/**
 * fuzzywuzzy's {@code fuzz.ratio} with python-Levenshtein installed (fuzzywuzzy's fast path): equal strings
 * score 100, an empty string 0, otherwise {@code round(100 · Levenshtein.ratio(a, b))} where
 * {@code Levenshtein.ratio} = (|a| + |b| − d) / (|a| + |b|) and d is the edit distance with substitutions costing 2,
 * i.e. 2·LCS / (|a| + |b|) on code points. Python's {@code round} rounds halves to even.
 * <p>
 * Without python-Levenshtein fuzzywuzzy falls back to {@code difflib.SequenceMatcher}, whose ratio counts the
 * matches of its greedy longest-block search instead of a true LCS, so it can be lower (never higher) on the same
 * pair. We implement the Levenshtein variant.
 */
final class LevenshteinRatio {
    private LevenshteinRatio() {}

    /** {@code fuzz.ratio(a, b)}, an integer 0…100. */
    static int fuzzRatio(String a, String b) {
        if (a.equals(b)) return 100;
        if (a.isEmpty() || b.isEmpty()) return 0;
        return (int) Math.rint(100 * ratio(a, b));
    }

    /** {@code Levenshtein.ratio(a, b)}. */
    static double ratio(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int lensum = x.length + y.length;
        if (lensum == 0) return 1.0;
        int distance = lensum - 2 * lcsLength(x, y);
        return (double) (lensum - distance) / lensum;
    }

    private static int lcsLength(int[] x, int[] y) {
        int[] prev = new int[y.length + 1];
        int[] cur = new int[y.length + 1];
        for (int xi : x) {
            for (int j = 1; j <= y.length; j++) {
                cur[j] = xi == y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[y.length];
    }
}
