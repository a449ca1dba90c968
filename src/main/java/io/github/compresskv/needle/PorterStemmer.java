package io.github.compresskv.needle;

/**
 * The Porter stemmer as published in 1980 (M. F. Porter, "An algorithm for suffix stripping"), the behaviour of
 * NLTK's {@code PorterStemmer(mode=ORIGINAL_ALGORITHM)}: steps 1a–5b with the paper's rule lists (step 2 has
 * {@code abli → able}, not the later {@code bli → ble} / {@code logi → log} changes), longest-suffix matching
 * within a step (a matched suffix whose condition fails ends the step), and no special cases for short words or
 * irregular forms. Input is expected lower-case ASCII (ROUGE tokens).
 */
public final class PorterStemmer {
    private static final String[][] STEP2 = {
            {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"}, {"abli", "able"},
            {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}, {"ization", "ize"}, {"ation", "ate"},
            {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},
            {"iviti", "ive"}, {"biliti", "ble"}};
    private static final String[][] STEP3 = {
            {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""}};
    private static final String[] STEP4 = {
            "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
            "iti", "ous", "ive", "ize"};

    private PorterStemmer() {}

    public static String stem(String word) {
        String w = step1a(word);
        w = step1b(w);
        w = step1c(w);
        w = step2or3(w, STEP2);
        w = step2or3(w, STEP3);
        w = step4(w);
        w = step5a(w);
        return step5b(w);
    }

    private static String step1a(String w) {
        if (w.endsWith("sses")) return cut(w, 2);
        if (w.endsWith("ies")) return cut(w, 2);
        if (w.endsWith("ss")) return w;
        if (w.endsWith("s")) return cut(w, 1);
        return w;
    }

    private static String step1b(String w) {
        if (w.endsWith("eed")) {
            String stem = cut(w, 3);
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String stem;
        if (w.endsWith("ed") && hasVowel(stem = cut(w, 2))) return step1bTidy(stem);
        if (w.endsWith("ing") && hasVowel(stem = cut(w, 3))) return step1bTidy(stem);
        return w;
    }

    /** After removing -ed / -ing: restore an e or undouble the final consonant. */
    private static String step1bTidy(String w) {
        if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) return w + "e";
        char last = w.isEmpty() ? 0 : w.charAt(w.length() - 1);
        if (endsDoubleConsonant(w) && last != 'l' && last != 's' && last != 'z') return cut(w, 1);
        if (measure(w) == 1 && endsCvc(w)) return w + "e";
        return w;
    }

    private static String step1c(String w) {
        if (w.endsWith("y") && hasVowel(cut(w, 1))) return cut(w, 1) + "i";
        return w;
    }

    private static String step2or3(String w, String[][] rules) {
        String[] rule = longest(w, rules);
        if (rule == null) return w;
        String stem = cut(w, rule[0].length());
        return measure(stem) > 0 ? stem + rule[1] : w;
    }

    private static String step4(String w) {
        String suffix = null;
        for (String s : STEP4) if (w.endsWith(s) && (suffix == null || s.length() > suffix.length())) suffix = s;
        if (suffix == null) return w;
        String stem = cut(w, suffix.length());
        if (measure(stem) <= 1) return w;
        if (suffix.equals("ion") && !(stem.endsWith("s") || stem.endsWith("t"))) return w;
        return stem;
    }

    private static String step5a(String w) {
        if (!w.endsWith("e")) return w;
        String stem = cut(w, 1);
        int m = measure(stem);
        return m > 1 || (m == 1 && !endsCvc(stem)) ? stem : w;
    }

    private static String step5b(String w) {
        return measure(w) > 1 && endsDoubleConsonant(w) && w.endsWith("l") ? cut(w, 1) : w;
    }

    private static String[] longest(String w, String[][] rules) {
        String[] best = null;
        for (String[] r : rules) if (w.endsWith(r[0]) && (best == null || r[0].length() > best[0].length())) best = r;
        return best;
    }

    private static String cut(String w, int n) { return w.substring(0, w.length() - n); }

    /** Porter's consonant: not a, e, i, o, u, and y only when it follows a vowel (or starts the word). */
    static boolean isConsonant(String w, int i) {
        char c = w.charAt(i);
        return switch (c) {
            case 'a', 'e', 'i', 'o', 'u' -> false;
            case 'y' -> i == 0 || !isConsonant(w, i - 1);
            default -> true;
        };
    }

    /** m in [C](VC)^m[V]: the number of vowel-sequence → consonant-sequence transitions. */
    static int measure(String w) {
        int m = 0;
        boolean prevVowel = false;
        for (int i = 0; i < w.length(); i++) {
            boolean consonant = isConsonant(w, i);
            if (consonant && prevVowel) m++;
            prevVowel = !consonant;
        }
        return m;
    }

    private static boolean hasVowel(String w) {
        for (int i = 0; i < w.length(); i++) if (!isConsonant(w, i)) return true;
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** *o: ends consonant-vowel-consonant where the last consonant is not w, x or y. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n < 3 || !isConsonant(w, n - 3) || isConsonant(w, n - 2) || !isConsonant(w, n - 1)) return false;
        char c = w.charAt(n - 1);
        return c != 'w' && c != 'x' && c != 'y';
    }
}
