package io.github.compresskv.compress;

import java.util.Arrays;

/**
 * Ada-KV (Ada-SnapKV) selection: the layer's H·(B − w) candidate slots are shared by its H KV heads. Every head
 * first gets a floor of ⌊α·(B − w)⌋ of its own best candidates (α = 0.2); the remaining H·(B − w − floor) slots go
 * to the best remaining scores across all heads of the layer (ties: lower head, then lower index). Per-head
 * budgets therefore vary, and their total is exactly H·(B − w) (+ the window per head). With units, the floor is
 * each head's best units and the global fill ranks the units of the rows not yet taken across the heads.
 */
public final class AdaKvSelector implements Selector {
    private final double floorFraction;

    /** Ada-KV's floor fraction α of each head's share. */
    public record Settings(double floor) implements PartSettings {
        public static final Settings DEFAULT = new Settings(0.2);
    }

    public AdaKvSelector(double floorFraction) {
        if (!(floorFraction >= 0 && floorFraction <= 1)) throw new CompressionException("Ada-KV floor fraction must be in [0, 1], got " + floorFraction);
        this.floorFraction = floorFraction;
    }

    @Override
    public int[][] select(LayerScores scores, CandidateUnits units, int budget, int promptLength, int window, int kvHeads) {
        if (promptLength <= budget) return null;
        int n = promptLength - window, k = Math.max(0, budget - window);
        int floor = (int) Math.floor(floorFraction * k);
        boolean[][] taken = new boolean[kvHeads][n];
        int[] counts = new int[kvHeads];
        for (int g = 0; g < kvHeads; g++) {
            for (int j : units.best(scores.forHead(g), g, floor)) taken[g][j] = true;
            counts[g] = floor;
        }
        long rest = (long) kvHeads * (k - floor);
        if (!units.isToken()) return unitFill(scores, units, taken, rest, n, window, kvHeads);
        if ((long) kvHeads * n >= Integer.MAX_VALUE) throw new CompressionException("layer too large for Ada-KV selection: " + kvHeads + " × " + n);
        long[] keys = new long[kvHeads * (n - floor)];
        int m = 0;
        for (int g = 0; g < kvHeads; g++) {
            float[] s = scores.forHead(g);
            for (int j = 0; j < n; j++) if (!taken[g][j]) keys[m++] = TopK.key(s[j], g * n + j);
        }
        Arrays.sort(keys, 0, m);
        for (int i = 0; i < rest && i < m; i++) {
            int flat = TopK.indexOf(keys[i]);
            taken[flat / n][flat % n] = true;
            counts[flat / n]++;
        }
        int[][] kept = new int[kvHeads][];
        for (int g = 0; g < kvHeads; g++) {
            int[] sel = new int[counts[g]];
            int c = 0;
            for (int j = 0; j < n; j++) if (taken[g][j]) sel[c++] = j;
            kept[g] = TopK.withWindow(sel, n, window);
        }
        return kept;
    }

    private static int[][] unitFill(LayerScores scores, CandidateUnits units, boolean[][] taken, long rest, int n, int window, int kvHeads) {
        float[][] rows = new float[kvHeads][];
        int[][] ids = new int[kvHeads][];
        for (int g = 0; g < kvHeads; g++) { rows[g] = scores.forHead(g); ids[g] = units.forHead(g); }
        UnitTopK.fill(rows, ids, taken, rest, units.aggregation());
        int[][] kept = new int[kvHeads][];
        for (int g = 0; g < kvHeads; g++) kept[g] = TopK.withWindow(UnitTopK.indices(taken[g]), n, window);
        return kept;
    }
}
