package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** classification_score on hand-computed cases, including the quirk of its remove-while-iterating loop. */
class ClassificationTest {
    private static final List<String> TREC_LIKE = List.of("Abbreviation", "Animal", "Food", "Other", "Other location");

    @Test
    void creditIsSplitOverEveryClassNamed() {
        assertEquals(1.0, Classification.score("Animal", "Animal", TREC_LIKE), 0);
        assertEquals(0.5, Classification.score("Animal or Food", "Animal", TREC_LIKE), 0);
        assertEquals(0.0, Classification.score("Food", "Animal", TREC_LIKE), 0);
        assertEquals(0.0, Classification.score("", "Animal", TREC_LIKE), 0);
        assertEquals(0.0, Classification.score("animal", "Animal", TREC_LIKE), 0, "case-sensitive substring test");
    }

    @Test
    void classesInsideTheTrueClassAreNotCounted() {
        // "Other" is a strict substring of the truth "Other location": dropped → 1 / 1
        assertEquals(1.0, Classification.score("Other location", "Other location", TREC_LIKE), 0);
        // but the truth "Other" is not dropped when the prediction says "Other location": 1 / 2
        assertEquals(0.5, Classification.score("Other location", "Other", TREC_LIKE), 0);
    }

    @Test
    void theElementAfterARemovedOneIsSkippedAsInPython() {
        // matches [Other, location, Other location]; removing "Other" shifts "location" into the examined slot,
        // so the loop never examines it and it stays: 1 / 2 (metrics.py gives 0.5 too)
        assertEquals(0.5, Classification.score("Other location", "Other location", List.of("Other", "location", "Other location")), 0);
    }
}
