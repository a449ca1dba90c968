package io.github.compresskv.eval.longbench;

import java.util.List;

/**
 * eval.py's per-record rule: for trec, triviaqa, samsum and lsht only the first line of the prediction counts
 * ({@code prediction.lstrip('\n').split('\n')[0]}); the score is the best over all reference answers, starting
 * from 0, of the dataset's metric.
 */
public final class LongBenchScoring {
    private LongBenchScoring() {}

    public static double score(LongBenchTask task, String prediction, List<String> answers, List<String> allClasses) {
        String scored = task.scoresFirstLineOnly() ? PythonText.firstLine(prediction) : prediction;
        double best = 0.0;
        for (String answer : answers) best = Math.max(best, task.metric().score(scored, answer, allClasses));
        return best;
    }
}
