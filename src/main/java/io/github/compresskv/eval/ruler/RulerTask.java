package io.github.compresskv.eval.ruler;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The RULER tasks this harness generates, with RULER's generation lengths ({@code tokens_to_generate}). Every one
 * is scored by string-match-all, as in RULER's {@code constants.py}.
 */
public enum RulerTask {
    /** One needle (key → 7-digit number) in the haystack, asked for its value (RULER niah_single_2). */
    NIAH_SINGLE("niah_single", 128),
    /** Four needles of the same shape with different keys; one is asked (niah_multikey_1). */
    NIAH_MULTIKEY("niah_multikey", 128),
    /** Four values for one key; all are asked (niah_multivalue). */
    NIAH_MULTIVALUE("niah_multivalue", 128),
    /** Four needles; the values of all four keys are asked at once (niah_multiquery). */
    NIAH_MULTIQUERY("niah_multiquery", 128),
    /** A chain of five variables assigned one value; all names are asked (vt: 1 chain, 4 hops). */
    VT("vt", 30),
    /** A list of words where ten appear much more often; the ten are asked (cwe). */
    CWE("cwe", 120),
    /** Zipf-distributed coded words; the three most frequent (after the dots) are asked (fwe, alpha 2). */
    FWE("fwe", 50);

    private final String id;
    private final int maxNewTokens;

    RulerTask(String id, int maxNewTokens) {
        this.id = id;
        this.maxNewTokens = maxNewTokens;
    }

    public String id() { return id; }

    public int maxNewTokens() { return maxNewTokens; }

    public static RulerTask byId(String id) {
        for (RulerTask t : values()) if (t.id.equals(id.strip().toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("--tasks: unknown RULER task '" + id + "'; valid: " + String.join(", ", ids()));
    }

    public static List<String> ids() { return Arrays.stream(values()).map(RulerTask::id).toList(); }
}
