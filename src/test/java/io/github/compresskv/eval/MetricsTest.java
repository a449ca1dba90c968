package io.github.compresskv.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The paper's word-overlap needle score and RULER's string matches on hand-computed cases. */
class MetricsTest {
    static final String PAPER_ANSWER = "eat a sandwich and sit in Dolores Park on a sunny day.";

    @Test
    void wordOverlapCountsDistinctLowerCasedWordsWithTheirPunctuation() {
        // expected words: {eat, a, sandwich, and, sit, in, dolores, park, on, sunny, day.} = 11 distinct ("a" twice)
        assertEquals(1.0, WordOverlap.score(PAPER_ANSWER, " Eat a SANDWICH and sit in Dolores Park on a sunny day."), 1e-12);
        // "day" without its period does not match "day."; 10 of 11
        assertEquals(10 / 11.0, WordOverlap.score(PAPER_ANSWER, "eat a sandwich and sit in dolores park on a sunny day"), 1e-12);
        // {eat, a, sandwich} of 11, repeated words count once
        assertEquals(3 / 11.0, WordOverlap.score(PAPER_ANSWER, "eat eat a sandwich sandwich"), 1e-12);
        assertEquals(0, WordOverlap.score(PAPER_ANSWER, ""), 1e-12);
        assertEquals(0, WordOverlap.score("   ", "anything"), 1e-12);
        // whitespace of any kind separates words
        assertEquals(1.0, WordOverlap.score("sit in", "sit\n\tin"), 1e-12);
    }

    @Test
    void stringMatchAllIsTheFractionOfReferencesFoundCaseInsensitively() {
        assertEquals(0.5, StringMatch.all("The numbers are 1234567 and 42.", List.of("1234567", "7654321")), 1e-12);
        assertEquals(1.0, StringMatch.all("vars: ABCDE, fghij", List.of("abcde", "FGHIJ")), 1e-12);
        assertEquals(0.0, StringMatch.all("nothing", List.of("x1")), 1e-12);
        assertEquals(0.0, StringMatch.all("anything", List.of()), 1e-12);
        // control characters become newlines and do not join words: "12\u000134" is not "1234"
        assertEquals(0.0, StringMatch.all("12\u000134", List.of("1234")), 1e-12);
        assertEquals(1.0, StringMatch.all("  \t 1234 \n", List.of("1234")), 1e-12);
    }

    @Test
    void stringMatchPartIsOneWhenAnyReferenceIsFound() {
        assertEquals(1.0, StringMatch.part("Paris, I think", List.of("London", "paris")), 1e-12);
        assertEquals(0.0, StringMatch.part("Rome", List.of("London", "Paris")), 1e-12);
        assertEquals(0.0, StringMatch.part("Rome", List.of()), 1e-12);
    }
}
