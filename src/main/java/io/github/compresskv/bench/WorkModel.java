package io.github.compresskv.bench;

import io.github.compresskv.model.ModelConfig;

/**
 * How much work a forward pass does, for the roofline fractions: FLOPs of a prefill (matrix products of every
 * token, the output projection of the last token, and causal attention) and bytes a decode step reads.
 */
public final class WorkModel {
    private WorkModel() {}

    /** Matrix parameters of all layers (q, k, v, o, gate, up, down). */
    public static double layerMatrixParams(ModelConfig c) {
        long perLayer = (long) c.dim() * c.qDim() * 2 + (long) c.dim() * c.kvDim() * 2 + 3L * c.dim() * c.ffnDim();
        return (double) perLayer * c.layers();
    }

    /** FLOPs of the matrix products of a prefill of n tokens (2 per multiply-add; one output projection). */
    public static double prefillMatrixFlops(ModelConfig c, int n) {
        return 2.0 * (layerMatrixParams(c) * n + (double) c.dim() * c.vocab());
    }

    /**
     * FLOPs of causal attention over n prompt tokens from an empty cache: token t scores t + 1 keys and sums as
     * many values, 2 × headDim FLOPs each, in every query head of every layer.
     */
    public static double prefillAttentionFlops(ModelConfig c, int n) {
        double pairs = (double) n * (n + 1) / 2;
        return 4.0 * c.headDim() * pairs * c.heads() * c.layers();
    }

    public static double prefillFlops(ModelConfig c, int n) {
        return prefillMatrixFlops(c, n) + prefillAttentionFlops(c, n);
    }

    /** Bytes of one uncompressed layer's cache for n tokens (a prefill stages a quantized cache's rows in F16: pass F16). */
    public static long layerKvBytes(ModelConfig c, int n, io.github.compresskv.cache.KvStorage storage) {
        return (long) c.kvHeads() * storage.bytesFor(n, c.headDim());
    }
}
