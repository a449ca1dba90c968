package io.github.compresskv.eval;

import java.util.List;
import java.util.Locale;

/**
 * RULER's scoring of one prediction (its {@code scripts/eval/synthetic/constants.py}): the prediction is stripped
 * and its control characters (U+0000–U+001F) become newlines; a reference counts when it occurs, case-insensitively,
 * as a substring. {@code all}: the fraction of references found (niah, variable tracking, common and frequent
 * words); {@code part}: 1 when any reference is found (QA).
 */
public final class StringMatch {
    private StringMatch() {}

    /** RULER's postprocessing of a prediction. */
    public static String postprocess(String prediction) {
        return prediction.strip().replaceAll("[\\x00-\\x1f]", "\n").strip();
    }

    /** Fraction of {@code references} contained in the prediction, 0…1 (0 without references). */
    public static double all(String prediction, List<String> references) {
        if (references.isEmpty()) return 0;
        String p = postprocess(prediction).toLowerCase(Locale.ROOT);
        int hits = 0;
        for (String r : references) if (p.contains(r.toLowerCase(Locale.ROOT))) hits++;
        return (double) hits / references.size();
    }

    /** 1 when at least one of {@code references} is contained in the prediction, else 0. */
    public static double part(String prediction, List<String> references) {
        String p = postprocess(prediction).toLowerCase(Locale.ROOT);
        for (String r : references) if (p.contains(r.toLowerCase(Locale.ROOT))) return 1;
        return 0;
    }
}
