package io.github.compresskv.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * The aggregation of §5.1 (paper Eq. 8–12): per calibration task the summed per-layer errors are L1-normalised
 * (ê_d = e_d / Σ_l e_d), the task vectors are averaged (ē = mean_d ê_d), and the mean is L1-normalised again
 * (ẽ = ē / (Σ ē + 1e−12)). A task whose errors are all zero (every prompt fit the budget) normalises to zeros.
 */
public final class LayerErrorNormalisation {
    private LayerErrorNormalisation() {}

    /** v / Σ v; zeros stay zeros. */
    public static double[] l1(double[] v) {
        double sum = 0;
        for (double x : v) sum += x;
        double[] out = new double[v.length];
        if (sum == 0) return out;
        for (int i = 0; i < v.length; i++) out[i] = v[i] / sum;
        return out;
    }

    /** ẽ from the per-task summed errors e_d: each L1-normalised, then {@link #combine}d. */
    public static double[] fromSums(double[][] sumsPerTask) {
        List<double[]> normalised = new ArrayList<>();
        for (double[] sum : sumsPerTask) normalised.add(l1(sum));
        return combine(normalised);
    }

    /** ẽ from the per-task normalised vectors ê_d (all of the same length). */
    public static double[] combine(List<double[]> normalisedPerTask) {
        if (normalisedPerTask.isEmpty()) throw new IllegalArgumentException("no calibration task to average");
        int layers = normalisedPerTask.getFirst().length;
        double[] mean = new double[layers];
        for (double[] e : normalisedPerTask) {
            if (e.length != layers) throw new IllegalArgumentException("task vectors of " + e.length + " and " + layers + " layers");
            for (int l = 0; l < layers; l++) mean[l] += e[l];
        }
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            mean[l] /= normalisedPerTask.size();
            sum += mean[l];
        }
        for (int l = 0; l < layers; l++) mean[l] /= sum + 1e-12;
        return mean;
    }
}
