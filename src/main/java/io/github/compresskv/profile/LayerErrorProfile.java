package io.github.compresskv.profile;

import io.github.compresskv.compress.ErrorAwareAllocator;

import java.util.List;

/**
 * The result of a layer eviction-error profiling run.
 *
 * @param tasks       calibration task names, in order
 * @param sums        per task the summed errors e_d^(l) over its samples (Σ_samples Σ_t r_{l,t})
 * @param normalised  per task ê_d = e_d / Σ_l e_d
 * @param avgScore    ẽ, the L1-normalised mean of the task vectors (the file's {@code avg_score})
 * @param samples     per task the number of prompts
 * @param decodeSteps decode steps that contributed errors, over all prompts
 * @param halfScores  ẽ of each half of the prompts (every task's even-numbered prompts, then its odd-numbered ones),
 *                    aggregated the same way; null when a task has fewer than two prompts
 */
public record LayerErrorProfile(List<String> tasks, double[][] sums, double[][] normalised, double[] avgScore, int[] samples,
                                long decodeSteps, double[][] halfScores) {

    public int layers() { return avgScore.length; }

    /**
     * How far the error-aware budgets at nominal budget {@code budget} (the paper's bounds, as compression uses) of the
     * two halves of the calibration prompts lie apart: the largest difference of one layer's budget, in rows; -1 when
     * there are no halves. A profile whose halves agree has seen enough prompts; one whose halves disagree by a large
     * part of B would allocate differently with other prompts of the same kind.
     */
    public int splitHalfBudgetGap(int budget) {
        if (halfScores == null) return -1;
        int[] a = ErrorAwareAllocator.allocateWithPaperBounds(halfScores[0], budget);
        int[] b = ErrorAwareAllocator.allocateWithPaperBounds(halfScores[1], budget);
        int gap = 0;
        for (int l = 0; l < a.length; l++) gap = Math.max(gap, Math.abs(a[l] - b[l]));
        return gap;
    }
}
