package io.github.compresskv.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Top-k over units instead of tokens: units are ranked by their aggregated score (higher first; ties to the lower
 * head, then the earlier unit) and taken whole while they fit; the first unit that does not fit is cut to the rows
 * left, keeping its best contiguous run (the largest score sum; ties to the earliest), and selection stops there. So
 * exactly k rows are kept and at most one unit is broken. A score of −∞ marks a row that is no longer there (an
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
     * Returns the rows marked.
     */
    static long fill(float[][] scores, int[][] unitOf, boolean[][] taken, long capacity, SelectionUnit.Aggregation aggregation) {
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
                int len = (int) left, from = bestRun(scores[u.head()], m, len);
                for (int i = from; i < from + len; i++) taken[u.head()][m[i]] = true;
                left = 0;
            }
        }
        return capacity - left;
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

    /** Start (in {@code members}) of the run of {@code len} members with the largest score sum; the earliest on ties. */
    private static int bestRun(float[] s, int[] members, int len) {
        double window = 0;
        for (int i = 0; i < len; i++) window += weight(s[members[i]]);
        double best = window;
        int from = 0;
        for (int i = len; i < members.length; i++) {
            window += weight(s[members[i]]) - weight(s[members[i - len]]);
            if (window > best) { best = window; from = i - len + 1; }
        }
        return from;
    }

    private static double weight(float x) { return Float.isNaN(x) ? 0 : x; }

    private static int[] indices(boolean[] taken) {
        int c = 0;
        for (boolean t : taken) if (t) c++;
        int[] out = new int[c];
        c = 0;
        for (int j = 0; j < taken.length; j++) if (taken[j]) out[c++] = j;
        return out;
    }
}
