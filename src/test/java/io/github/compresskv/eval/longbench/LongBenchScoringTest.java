package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** eval.py's per-record rule: first-line cut for the few-shot tasks, best score over all answers. */
class LongBenchScoringTest {
    private static final List<String> CLASSES = List.of("Animal", "Food", "City");

    @Test
    void fewShotTasksScoreOnlyTheFirstLine() {
        // trec: "\n\nAnimal\nFood" → "Animal" → 1 (the whole text would name two classes: 0.5)
        assertEquals(1.0, LongBenchScoring.score(LongBenchTask.TREC, "\n\nAnimal\nFood", List.of("Animal"), CLASSES), 0);
        assertEquals(0.5, Classification.score("\n\nAnimal\nFood", "Animal", CLASSES), 0);
        // triviaqa: "paris\nQuestion: ..." → "paris"
        assertEquals(1.0, LongBenchScoring.score(LongBenchTask.TRIVIAQA, "paris\nQuestion: next one", List.of("Paris"), List.of()), 0);
        // samsum: the second line would lower ROUGE-L
        assertEquals(RougeL.english("Tom is late", "Tom is late"),
                LongBenchScoring.score(LongBenchTask.SAMSUM, "Tom is late\nDialogue: more", List.of("Tom is late"), List.of()), 0);
    }

    @Test
    void otherTasksScoreTheWholePrediction() {
        // hotpotqa keeps both lines: [paris, question, next, one] vs [paris]: F1 = 2·(1/4)·1/(1/4 + 1) = 0.4
        assertEquals(0.4, LongBenchScoring.score(LongBenchTask.HOTPOTQA, "paris\nQuestion: next one", List.of("Paris"), List.of()), 1e-15);
    }

    @Test
    void bestOverAllAnswers() {
        assertEquals(1.0, LongBenchScoring.score(LongBenchTask.TRIVIAQA, "The Big Apple", List.of("New York City", "Big Apple"), List.of()), 0);
        assertEquals(0.0, LongBenchScoring.score(LongBenchTask.HOTPOTQA, "London", List.of("Paris", "France"), List.of()), 0);
        assertEquals(0.5, LongBenchScoring.score(LongBenchTask.PASSAGE_COUNT, "5 or 6", List.of("6"), List.of()), 0);
    }
}
