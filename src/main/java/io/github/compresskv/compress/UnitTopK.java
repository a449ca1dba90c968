package io.github.compresskv.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Top-k over units instead of tokens: units are ranked by their aggregated score (higher first; ties to the lower
 * head, then the earlier unit) and taken whole while they fit; the first unit that does not fit is cut to the rows
 * left, keeping its best-scored rows (ties to the earlier row), and selection stops there. So exactly k rows are kept
 * and at most one unit is broken. Keeping the cut unit's best rows (not, say, its best contiguous run) makes the
 * selections of two budgets nested, so re-evicting a layer to a smaller budget (CAKE's cascade) keeps what a one-shot
 * selection at that budget keeps. A score of −∞ marks a row that is no longer there (an
 * earlier eviction): it belongs to no unit and is never kept; NaN counts as present with no weight.
 */
final class UnitTopK {
    private UnitTopK() {}

    /** One unit's present rows {@code members} of head {@code head}, with its aggregated score. */
    private record Unit(int head, int[] members, double score) {}

    /** The k rows of the best units, ascending; all present rows when there are at most k. */
    static int[] best(float[] scores, int[] unitOf, int k, SelectionUnit.Aggregation aggregation) {
        boolean[][] taken = new boolean[1][scores.length];
        fill(new float[][]{scores}, new int[][]{unitOf}, taken, k, aggregation);
        return indices(taken[0]);
    }

    /**
     * Marks up to {@code capacity} more rows in {@code taken} (shared by all heads: a global fill, Ada-KV style),
     * ranking units across every head. A unit keeps the score of all its present rows even when some were taken
     * before (Ada-KV's floor), so a unit cut there still ranks as itself; only its rows not yet taken are added.
     */
    static void fill(float[][] scores, int[][] unitOf, boolean[][] taken, long capacity, SelectionUnit.Aggregation aggregation) {
        List<Unit> units = new ArrayList<>();
        for (int g = 0; g < scores.length; g++) collect(g, scores[g], unitOf[g], taken[g], aggregation, units);
        units.sort(Comparator.comparingDouble((Unit u) -> -u.score()).thenComparingInt(Unit::head).thenComparingInt(u -> u.members()[0]));
        long left = capacity;
        for (Unit u : units) {
            if (left <= 0) break;
            int[] m = u.members();
            if (m.length <= left) {
                for (int j : m) taken[u.head()][j] = true;
                left -= m.length;
            } else {
                float[] sub = new float[m.length];
                for (int i = 0; i < m.length; i++) sub[i] = scores[u.head()][m[i]];
                for (int i : TopK.best(sub, (int) left)) taken[u.head()][m[i]] = true;
                left = 0;
            }
        }
    }

    private static void collect(int head, float[] s, int[] unitOf, boolean[] taken, SelectionUnit.Aggregation aggregation, List<Unit> out) {
        int n = s.length;
        int[] members = new int[n];
        for (int start = 0; start < n; ) {
            int end = start;
            while (end < n && unitOf[end] == unitOf[start]) end++;
            int c = 0, present = 0;
            double sum = 0;
            for (int j = start; j < end; j++) {
                if (s[j] == Float.NEGATIVE_INFINITY) continue;
                present++;
                if (!Float.isNaN(s[j])) sum += s[j];
                if (!taken[j]) members[c++] = j;
            }
            if (c > 0) out.add(new Unit(head, Arrays.copyOf(members, c), aggregation == SelectionUnit.Aggregation.SUM ? sum : sum / present));
            start = end;
        }
    }

    /** The indices set in {@code taken}, ascending. */
    static int[] indices(boolean[] taken) {
        int c = 0;
        for (boolean t : taken) if (t) c++;
        int[] out = new int[c];
        c = 0;
        for (int j = 0; j < taken.length; j++) if (taken[j]) out[c++] = j;
        return out;
    }
}
