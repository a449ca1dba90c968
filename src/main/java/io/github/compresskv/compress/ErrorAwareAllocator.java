package io.github.compresskv.compress;

import java.util.Arrays;
import java.util.Comparator;

/**
 * CompressKV's error-aware layer budgets (Algorithm 1, method document §5.2). With T = L·B, m = 32, M = 3B and
 * R = T − L·m: B_l = clip(m + rint(ẽ_l·R), m, M) (round half to even); then while Δ = T − Σ B_l ≠ 0, passes over
 * the layers that can still move — in descending ẽ when Δ > 0 (adding 1 each, up to M), in ascending ẽ when Δ < 0
 * (subtracting 1 each, down to m) — ties in ẽ by layer index; a pass stops when Δ = 0, and the loop stops when no
 * layer can move (only when the clamps make L·B unreachable, e.g. B < m).
 */
public final class ErrorAwareAllocator implements Allocator {
    private final double[] error;
    private final int minBudget;
    private final int maxFactor;

    /** CompressKV's allocator settings: the layer error profile ({@code --layer-profile}). */
    public record Settings(java.nio.file.Path layerProfile) implements PartSettings {
        public static final Settings DEFAULT = new Settings(null);

        /** The allocator, reading the profile now. */
        public ErrorAwareAllocator allocator() {
            if (layerProfile == null) {
                throw new CompressionException("compresskv needs a layer error profile: pass --layer-profile FILE "
                        + "(make one with `" + LayerProfile.PRODUCER + "`)");
            }
            return new ErrorAwareAllocator(LayerProfile.load(layerProfile));
        }
    }

    public ErrorAwareAllocator(double[] normalisedError, int minBudget, int maxFactor) {
        this.error = normalisedError.clone();
        this.minBudget = minBudget;
        this.maxFactor = maxFactor;
    }

    /** The paper's bounds: m = 32, M = 3B. */
    public ErrorAwareAllocator(LayerProfile profile) { this(profile.errors(), PAPER_MIN_BUDGET, PAPER_MAX_FACTOR); }

    private static final int PAPER_MIN_BUDGET = 32, PAPER_MAX_FACTOR = 3;

    /** Algorithm 1 on ẽ with the paper's bounds m = 32, M = 3B: the budgets compression uses. */
    public static int[] allocateWithPaperBounds(double[] e, int budget) {
        return allocate(e, budget, PAPER_MIN_BUDGET, PAPER_MAX_FACTOR * budget);
    }

    @Override
    public int[] allocate(AllocationRequest r) {
        if (r.layers() != error.length) {
            throw new CompressionException("layer profile has " + error.length + " layers, the model has " + r.layers());
        }
        return allocate(error, r.budget(), minBudget, maxFactor * r.budget());
    }

    /** Algorithm 1 on ẽ with total L·B and clamps [m, M]. */
    public static int[] allocate(double[] e, int budget, int m, int maxBudget) {
        int layers = e.length;
        long total = (long) layers * budget;
        long remaining = total - (long) layers * m;
        int[] b = new int[layers];
        long sum = 0;
        for (int l = 0; l < layers; l++) {
            long v = m + (long) Math.rint(e[l] * remaining);
            b[l] = (int) Math.min(Math.max(v, m), maxBudget);
            sum += b[l];
        }
        Integer[] descending = order(e, Comparator.<Integer>comparingDouble(l -> -e[l]));
        Integer[] ascending = order(e, Comparator.<Integer>comparingDouble(l -> e[l]));
        long delta = total - sum;
        while (delta != 0) {
            boolean moved = false;
            if (delta > 0) {
                for (int l : descending) {
                    if (delta == 0) break;
                    if (b[l] < maxBudget) { b[l]++; delta--; moved = true; }
                }
            } else {
                for (int l : ascending) {
                    if (delta == 0) break;
                    if (b[l] > m) { b[l]--; delta++; moved = true; }
                }
            }
            if (!moved) break;
        }
        return b;
    }

    /** Layer indices sorted by {@code by}, ties by layer index (a stable sort of 0..L−1). */
    private static Integer[] order(double[] e, Comparator<Integer> by) {
        Integer[] idx = new Integer[e.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, by);
        return idx;
    }
}
