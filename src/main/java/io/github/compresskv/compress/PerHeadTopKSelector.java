package io.github.compresskv.compress;

/** SnapKV selection: each KV head keeps its own top-(B − w) candidates (or units) plus the window. */
public final class PerHeadTopKSelector implements Selector {

    @Override
    public int[][] select(LayerScores scores, CandidateUnits units, int budget, int promptLength, int window, int kvHeads) {
        if (promptLength <= budget) return null;
        int k = Math.max(0, budget - window), n = promptLength - window;
        int[][] kept = new int[kvHeads][];
        for (int g = 0; g < kvHeads; g++) kept[g] = TopK.withWindow(units.best(scores.forHead(g), g, k), n, window);
        return kept;
    }
}
