package io.github.compresskv.model;

import io.github.compresskv.tensor.WeightMatrix;

/**
 * The weights of one transformer block. Matrices are views over the model file; norms and biases are
 * dequantized to F32. Optional parts are null: biases (only qwen2 / when present), q/k norms (only qwen3).
 */
public record LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                           float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                           float[] ffnNorm, WeightMatrix wGate, WeightMatrix wUp, WeightMatrix wDown) {

    /** Bytes of matrix weights a forward step reads for this layer. */
    public long matrixBytes() {
        return wq.bytesRead() + wk.bytesRead() + wv.bytesRead() + wo.bytesRead() + wGate.bytesRead() + wUp.bytesRead() + wDown.bytesRead();
    }
}
