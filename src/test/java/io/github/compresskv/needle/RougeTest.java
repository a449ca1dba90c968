package io.github.compresskv.needle;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ROUGE-1 recall against values computed by hand with rouge_score's tokenization rules. */
class RougeTest {

    @Test
    void tokenizationLowercasesSplitsOnNonAlphanumericsAndStemsLongTokens() {
        assertEquals(List.of("eat", "a", "sandwich", "and", "sit", "in", "dolor", "park", "on", "a", "sunni", "day"),
                Rouge.tokens("eat a sandwich and sit in Dolores Park on a sunny day."));
        assertEquals(List.of("it", "s", "3", "walk"), Rouge.tokens("It's 3 -- walking!"));
        assertEquals(List.of(), Rouge.tokens("  ...  "));
        assertEquals(List.of("caf", "na", "ve"), Rouge.tokens("Café naïve"), "non-ASCII letters become separators");
    }

    @Test
    void recallCountsEachReferenceTokenAtMostAsOftenAsTheCandidateHasIt() {
        // reference 4 tokens: the cat the mat; candidate has "the" once, "cat", "mats" → stem "mat"
        assertEquals(3.0 / 4, Rouge.rouge1Recall("the cat the mat", "The cat sat on mats"), 1e-12);
        assertEquals(1.0, Rouge.rouge1Recall("walking dogs", "the dog walked"), 1e-12, "walking/walked → walk, dogs/dog → dog");
        assertEquals(0.0, Rouge.rouge1Recall("", "anything"), 0);
        assertEquals(0.0, Rouge.rouge1Recall("sunny day", ""), 0);
    }

    @Test
    void paperNeedleAnsweredPartly() {
        String ref = "eat a sandwich and sit in Dolores Park on a sunny day";
        // 12 reference tokens; the response has eat, a, sandwich, and, sit, in (6) and "a" only once
        assertEquals(6.0 / 12, Rouge.rouge1Recall(ref, " eat a sandwich and sit in the library."), 1e-12);
        // success threshold of the profiler is recall × 100 > 50: exactly 50 fails
    }
}
