package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;

/**
 * Receives what a prefill records for KV-cache compression ("taps"), one layer at a time. The prefill runs
 * layer-major when an observer is given ({@link Transformer#prefill(KvCache, int[], PrefillObserver)}): every
 * chunk of the prompt passes layer l before layer l + 1 starts, so {@link #layerDone} is called once per
 * layer, in order, when that layer's cache holds all prompt rows — and the observer may shrink that layer
 * right away (streaming compression: peak KV memory is then one uncompressed layer plus the compressed rest,
 * see {@link KvCache#peakBytes()}). Attention of the prompt itself is always exact.
 *
 * <p>Rules for {@link #layerDone}:
 * <ul>
 *   <li>It may {@link KvCache#retain} rows of layer {@code layer} (and of earlier layers); it must not change
 *       layers after {@code layer}, which the prompt has not passed yet.</li>
 *   <li>During the calls {@code cache.nextPosition()} is still {@code promptStart}; the prefill advances it by
 *       {@code promptLength} after the last layer. Rows keep their absolute positions when retained.</li>
 *   <li>The arrays are fresh for every call and belong to the observer: it may keep them (a non-streaming
 *       compression that decides across layers keeps its scores until its {@code finish}).</li>
 * </ul>
 */
public interface PrefillObserver {

    /** Number of last prompt tokens whose post-RoPE queries (every query head) are recorded; 0 for none. */
    int observationWindow();

    /** Whether the column sums of softmax attention over all prompt queries are needed (H2O); costs no extra pass. */
    default boolean wantsCumulativeAttention() { return false; }

    /**
     * Whether the prompt's hidden states wait between layers in a temporary file (in the operating system's page
     * cache, not in this process's memory) instead of the Java heap: tokens × dim × 4 bytes less resident memory for
     * a long prompt, the same results, and one write and one read of them per layer.
     */
    default boolean promptStatesInFile() { return false; }

    /**
     * Layer {@code layer} is done for the prompt.
     *
     * @param cache               the cache; this layer's rows for the prompt are in place (post-RoPE keys, values, positions)
     * @param promptStart         cache position of the first prompt token of this prefill (0 for a fresh sequence)
     * @param promptLength        tokens in this prefill
     * @param windowQueries       [heads][w][headDim] post-RoPE (and post q-norm) queries of the last
     *                            w = min(observationWindow(), promptLength) prompt tokens, row-major; length heads·w·headDim
     * @param cumulativeAttention [heads][stride] row-major, stride = cumulativeAttention.length / heads: entry
     *                            [h][r] is Σ over this prefill's queries of their softmax attention probability on cache
     *                            row r of KV head h / (heads / kvHeads) in this layer (row index as in the cache now,
     *                            before any retain). stride is the largest row count over the layer's KV heads (equal to
     *                            promptLength for a fresh sequence); entries past a head's row count are 0. Each query
     *                            contributes 1 in total, so row sums are promptLength. Null when not requested.
     */
    void layerDone(int layer, KvCache cache, int promptStart, int promptLength, float[] windowQueries, float[] cumulativeAttention);
}
