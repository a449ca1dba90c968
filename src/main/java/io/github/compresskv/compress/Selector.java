package io.github.compresskv.compress;

/**
 * Turns a layer's scores and its budget into the kept prompt-relative indices per KV head: sorted ascending,
 * always including the observation window [N − w, N). Returns null when nothing is evicted (N ≤ budget). With
 * units other than tokens, a head's candidates are taken as whole units (only the last one may be cut), and every
 * head still gets exactly the rows its budget gives it.
 */
public interface Selector {

    /**
     * @param units        the units of the candidates ({@link CandidateUnits#tokens()}: single tokens)
     * @param budget       tokens per KV head for this layer, including the window
     * @param promptLength N
     * @param window       w
     */
    int[][] select(LayerScores scores, CandidateUnits units, int budget, int promptLength, int window, int kvHeads);

    /** Selection of single tokens. */
    default int[][] select(LayerScores scores, int budget, int promptLength, int window, int kvHeads) {
        return select(scores, CandidateUnits.tokens(), budget, promptLength, window, kvHeads);
    }
}
