package io.github.compresskv.model;

import io.github.compresskv.format.ModelFormatException;
import io.github.compresskv.format.ModelSource;
import io.github.compresskv.format.TensorData;
import io.github.compresskv.tensor.WeightMatrices;
import io.github.compresskv.tensor.WeightMatrix;

import java.util.Arrays;

/**
 * All weights of a model as typed views over the source's tensors, each tensor's shape checked against the
 * {@link ModelConfig} (a mismatch or a missing tensor is a ModelFormatException naming tensor, file, expected
 * and actual shape). The output projection is the token embedding when the embeddings are tied.
 */
public record ModelWeights(WeightMatrix tokenEmbedding, LayerWeights[] layers, float[] outputNorm, WeightMatrix output) {

    public static ModelWeights load(ModelSource source, ModelConfig c) {
        WeightMatrix embedding = matrix(source, "token_embd.weight", c.vocab(), c.dim());
        // The layer count comes from metadata: the last layer's first tensor must exist before an array of that
        // size is allocated, so a corrupt count is a missing-tensor error rather than an OutOfMemoryError.
        vector(source, "blk." + (c.layers() - 1) + ".attn_norm.weight", c.dim());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers[l] = new LayerWeights(
                    vector(source, b + "attn_norm.weight", c.dim()),
                    matrix(source, b + "attn_q.weight", c.qDim(), c.dim()),
                    matrix(source, b + "attn_k.weight", c.kvDim(), c.dim()),
                    matrix(source, b + "attn_v.weight", c.kvDim(), c.dim()),
                    matrix(source, b + "attn_output.weight", c.dim(), c.qDim()),
                    c.qkvBias() ? vector(source, b + "attn_q.bias", c.qDim()) : null,
                    c.qkvBias() ? vector(source, b + "attn_k.bias", c.kvDim()) : null,
                    c.qkvBias() ? vector(source, b + "attn_v.bias", c.kvDim()) : null,
                    c.qkNorm() ? vector(source, b + "attn_q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? vector(source, b + "attn_k_norm.weight", c.headDim()) : null,
                    vector(source, b + "ffn_norm.weight", c.dim()),
                    matrix(source, b + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    matrix(source, b + "ffn_up.weight", c.ffnDim(), c.dim()),
                    matrix(source, b + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        float[] outputNorm = vector(source, "output_norm.weight", c.dim());
        WeightMatrix output = c.tiedEmbeddings() ? embedding : matrix(source, "output.weight", c.vocab(), c.dim());
        return new ModelWeights(embedding, layers, outputNorm, output);
    }

    /** Bytes of matrix weights one decode step reads (all layers and the output projection). */
    public long matrixBytesPerToken() {
        long n = output.bytesRead();
        for (LayerWeights l : layers) n += l.matrixBytes();
        return n;
    }

    static WeightMatrix matrix(ModelSource source, String name, int rows, int cols) {
        TensorData t = source.tensor(name);
        checkShape(source, t, cols, rows);
        if (!t.type().isSupportedWeightType()) {
            throw new ModelFormatException(source.path() + ": tensor '" + name + "' has type " + t.type() + ", which has no matrix kernel");
        }
        try {
            return WeightMatrices.of(t.type(), t.data(), rows, cols);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source.path() + ": tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    static float[] vector(ModelSource source, String name, int n) {
        TensorData t = source.tensor(name);
        checkShape(source, t, n);
        return floats(source, t);
    }

    /** The tensor's values as F32 (for norms, biases, RoPE factors). */
    static float[] floats(ModelSource source, TensorData t) {
        long n = t.elementCount();
        try {
            return WeightMatrices.of(t.type(), t.data(), 1, Math.toIntExact(n)).toFloatArray();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source.path() + ": tensor '" + t.name() + "': " + e.getMessage(), e);
        }
    }

    /** Checks the ggml shape (innermost first); trailing dimensions of 1 on either side are ignored. */
    static void checkShape(ModelSource source, TensorData t, long... expected) {
        if (!Arrays.equals(trim(t.ne()), trim(expected))) {
            throw new ModelFormatException(source.path() + ": tensor '" + t.name() + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(expected) + " (ggml order, innermost first)");
        }
    }

    private static long[] trim(long[] ne) {
        int n = ne.length;
        while (n > 1 && ne[n - 1] == 1) n--;
        return Arrays.copyOf(ne, n);
    }
}
