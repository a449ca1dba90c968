package io.github.compresskv.compress;

/**
 * CAKE: on the window attention of every query head (fp32 softmax, causal window mask), the token score is
 * mean + γ·variance of the attention over the w window queries (variance with the unbiased 1/(w − 1) divisor, as
 * torch.var), pooled, averaged over each contiguous GQA group. The layer preference is P = H^{1/τ1}·V^{1/τ2} with
 * the dispersion H = −Σ p·ln(p + 1e−10) over all heads, window queries and candidate keys, and V = Σ over heads
 * and candidate keys of the variance across window queries.
 */
public final class CakeScorer implements Scorer {
    private final double gamma;
    private final double tau1;
    private final double tau2;
    private final Pooling pooling;
    private final int kernel;

    /**
     * CAKE's own settings: γ and the temperatures τ1, τ2; NaN temperatures mean the Llama-3.1 setting for the budget
     * (τ1 = 1.6; τ2 = 0.4 when B ≥ 512, else 0.6).
     */
    public record Settings(double gamma, double tau1, double tau2) implements PartSettings {
        public static final Settings DEFAULT = new Settings(200, Double.NaN, Double.NaN);

        /** The scorer for budget {@code budget}, with {@code pooling}. */
        public CakeScorer scorer(Budget budget, AttentionPooling pooling) {
            boolean large = !budget.isRatio() && budget.perLayer(0, 0) >= 512;
            double t1 = Double.isNaN(tau1) ? 1.6 : tau1;
            double t2 = Double.isNaN(tau2) ? (large ? 0.4 : 0.6) : tau2;
            return new CakeScorer(gamma, t1, t2, pooling.pooling(), pooling.kernel());
        }
    }

    public CakeScorer(double gamma, double tau1, double tau2, Pooling pooling, int kernel) {
        if (!(tau1 > 0 && tau2 > 0)) throw new CompressionException("CAKE temperatures must be positive, got tau1=" + tau1 + " tau2=" + tau2);
        this.gamma = gamma;
        this.tau1 = tau1;
        this.tau2 = tau2;
        this.pooling = pooling;
        this.kernel = kernel;
    }

    @Override
    public LayerScores score(LayerTaps t) {
        int g = t.groupSize(), w = t.window(), n = t.candidates();
        double entropy = 0, variance = 0;
        float[][] out = new float[t.kvHeads()][];
        for (int kv = 0; kv < t.kvHeads(); kv++) {
            int base = t.promptBase(kv);
            float[][] pooled = new float[g][];
            for (int i = 0; i < g; i++) {
                float[][] p = WindowAttention.probabilities(t, kv * g + i);
                float[] token = new float[n];
                for (int j = 0; j < n; j++) {
                    double mean = 0;
                    for (int q = 0; q < w; q++) {
                        double x = p[q][base + j];
                        mean += x;
                        entropy -= x * Math.log(x + 1e-10);
                    }
                    mean /= w;
                    double var = 0;
                    if (w > 1) {
                        for (int q = 0; q < w; q++) {
                            double dx = p[q][base + j] - mean;
                            var += dx * dx;
                        }
                        var /= w - 1;
                    }
                    variance += var;
                    token[j] = (float) (mean + gamma * var);
                }
                pooled[i] = pooling.apply(token, kernel);
            }
            out[kv] = WindowAttention.mean(pooled);
        }
        double preference = Math.pow(Math.max(entropy, 0), 1 / tau1) * Math.pow(variance, 1 / tau2);
        return new LayerScores(out, preference);
    }
}
