package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.HeadRows;

/**
 * The selection units of one layer's eviction candidates: for every KV head, the unit id of each candidate j (ids
 * never decrease with j, equal ids are one unit), and how a unit's score is aggregated. Token units carry no ids:
 * selection is then plain top-k, exactly as without units.
 */
public final class CandidateUnits {
    private static final CandidateUnits TOKENS = new CandidateUnits(null, SelectionUnit.Aggregation.SUM);

    private final int[][] ids;
    private final SelectionUnit.Aggregation aggregation;

    private CandidateUnits(int[][] ids, SelectionUnit.Aggregation aggregation) {
        this.ids = ids;
        this.aggregation = aggregation;
    }

    /** Every candidate is its own unit. */
    public static CandidateUnits tokens() { return TOKENS; }

    /** Units given directly: {@code ids[kvHead][j]} (one row may serve every head). */
    public static CandidateUnits of(int[][] ids, SelectionUnit.Aggregation aggregation) {
        for (int[] row : ids) {
            for (int j = 1; j < row.length; j++) {
                if (row[j] < row[j - 1]) throw new IllegalArgumentException("unit ids must not decrease: " + row[j - 1] + " then " + row[j] + " at " + j);
            }
        }
        return new CandidateUnits(ids, aggregation);
    }

    /**
     * The units of layer {@code layer}'s candidates: the {@code candidates} rows of each KV head that start at that
     * head's {@code bases[g]}, grouped by their absolute positions. Chunks count from {@code origin} (the prompt's
     * first position); sentences come from {@code ends}, whose index 0 is position {@code origin}.
     */
    public static CandidateUnits of(SelectionUnit unit, KvCache cache, int layer, int[] bases, int candidates, int origin, SentenceEnds ends) {
        if (unit.isToken()) return TOKENS;
        if (unit.kind() == SelectionUnit.Kind.SENTENCE && ends == null) {
            throw new CompressionException("--unit sentence needs the prompt's tokens to find its sentences, and none were given to the compressor");
        }
        int[] sentenceOf = ends == null ? null : ends.sentenceIndex();
        int[][] ids = new int[bases.length][];
        for (int g = 0; g < bases.length; g++) {
            HeadRows rows = cache.head(layer, g);
            int[] row = new int[candidates];
            for (int j = 0; j < candidates; j++) {
                int rel = rows.position(bases[g] + j) - origin;
                row[j] = unit.kind() == SelectionUnit.Kind.CHUNK ? Math.floorDiv(rel, unit.size())
                        : sentenceOf[Math.clamp(rel, 0, sentenceOf.length - 1)];
            }
            ids[g] = unit.kind() == SelectionUnit.Kind.SENTENCE ? splitLong(row, unit.size()) : row;
        }
        return new CandidateUnits(ids, unit.aggregation());
    }

    /** Renumbers units so that none is longer than {@code cap}: a longer one becomes ⌈L/cap⌉ near-equal pieces. */
    static int[] splitLong(int[] ids, int cap) {
        int[] out = new int[ids.length];
        int next = 0;
        for (int start = 0; start < ids.length; ) {
            int end = start;
            while (end < ids.length && ids[end] == ids[start]) end++;
            int len = end - start, pieces = (len + cap - 1) / cap;
            for (int i = 0; i < len; i++) out[start + i] = next + (int) ((long) i * pieces / len);
            next += pieces;
            start = end;
        }
        return out;
    }

    public boolean isToken() { return ids == null; }

    public SelectionUnit.Aggregation aggregation() { return aggregation; }

    /** Unit ids of KV head {@code kvHead}'s candidates (null for token units). */
    public int[] forHead(int kvHead) { return ids == null ? null : ids[ids.length == 1 ? 0 : kvHead]; }

    /** The {@code k} candidates of KV head {@code kvHead} that its best units hold, ascending (see {@link UnitTopK}). */
    int[] best(float[] scores, int kvHead, int k) {
        return ids == null ? TopK.best(scores, k) : UnitTopK.best(scores, forHead(kvHead), k, aggregation);
    }
}
