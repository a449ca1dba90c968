package io.github.compresskv.compress;

/**
 * CompressKV selection: one index set for the whole layer, the top-(B − w) of the layer's score row (per-head
 * rows are averaged first), gathered for every KV head, plus the window. Units are those of KV head 0.
 */
public final class SharedTopKSelector implements Selector {

    @Override
    public int[][] select(LayerScores scores, CandidateUnits units, int budget, int promptLength, int window, int kvHeads) {
        if (promptLength <= budget) return null;
        float[] row = scores.isShared() ? scores.scores()[0] : WindowAttention.mean(scores.scores());
        int[] set = TopK.withWindow(units.best(row, 0, Math.max(0, budget - window)), promptLength - window, window);
        int[][] kept = new int[kvHeads][];
        for (int g = 0; g < kvHeads; g++) kept[g] = set.clone();
        return kept;
    }
}
