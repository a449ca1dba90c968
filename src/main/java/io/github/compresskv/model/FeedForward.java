package io.github.compresskv.model;

import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.VectorMath;
import io.github.compresskv.tensor.WeightMatrix;

/**
 * The SwiGLU feed-forward block: down(silu(gate(x)) · up(x)), for a batch of n tokens. One instance per
 * {@link Transformer}: the gating loop's body is reused (decode must not allocate per layer).
 */
final class FeedForward {
    private final GateBody gating = new GateBody();
    private final WeightMatrix[] pair = new WeightMatrix[2];
    private final float[][] pairOut = new float[2][];

    /** y (n × dim) = FFN(x) (n × dim); gate and up are n × ffnDim scratch. */
    void apply(LayerWeights w, float[] x, int n, float[] gate, float[] up, float[] y, Parallel pool) {
        if (n == 1) {
            // decode: gate and up as one parallel loop (same input)
            pair[0] = w.wGate();
            pair[1] = w.wUp();
            pairOut[0] = gate;
            pairOut[1] = up;
            WeightMatrix.matvecs(pair, x, pairOut, pool);
        } else {
            Projections.apply(w.wGate(), x, n, gate, pool);
            Projections.apply(w.wUp(), x, n, up, pool);
        }
        int ffn = w.wGate().rows();
        gating.gate = gate;
        gating.up = up;
        try {
            pool.forRange(n * ffn, 4096, gating);
        } finally {
            gating.gate = gating.up = null;
        }
        Projections.apply(w.wDown(), gate, n, y, pool);
    }

    /** gate[i] = silu(gate[i]) · up[i]. */
    private static final class GateBody implements Parallel.RangeBody {
        float[] gate, up;

        @Override
        public void run(int start, int end) {
            VectorMath.siluMul(gate, up, start, end);
        }
    }
}
