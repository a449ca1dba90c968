package io.github.compresskv.compress;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;

/**
 * Attention sinks kept by a scoring method ({@code --sink-tokens N}): the sequence's first {@code count} positions
 * rank above every other candidate, each as a unit of its own, so they are kept in every KV head within the budget
 * (they take {@code count} of its B − w selected rows). 0 (the default) changes nothing.
 *
 * <p>Why: most heads park their surplus attention on the first tokens, and a head that loses them spreads that mass
 * over what is left. Scores that come from a few sharp heads (CompressKV's retrieval heads, shared by the whole layer)
 * may never rank them although the layer's other heads need them; StreamingLLM keeps 4 for the same reason.
 */
public record SinkTokens(int count) implements PartSettings {
    public static final SinkTokens DEFAULT = new SinkTokens(0);

    /** The score a sink gets: above any attention score or unit sum, finite so that sums and means stay ordered. */
    static final float FORCED = 1e30f;

    public SinkTokens {
        if (count < 0) throw new CompressionException("--sink-tokens must be ≥ 0, got " + count);
    }

    /** The scores and units of one layer's candidates with the sinks forced (the inputs unchanged when there are none). */
    record Forced(LayerScores scores, CandidateUnits units) {}

    /**
     * Forces the candidates at absolute positions below {@link #count} of layer {@code layer}: candidate j of KV head g
     * is row {@code bases[g] + j}. Shared scores stay shared and use KV head 0's positions, as a shared selector does.
     */
    Forced apply(LayerScores scores, CandidateUnits units, KvCache cache, int layer, int[] bases) {
        int candidates = scores.candidates();
        int rows = scores.scores().length;
        float[][] out = new float[rows][];
        int[][] ids = units.isToken() ? null : new int[bases.length][];
        boolean any = false;
        for (int g = 0; g < bases.length; g++) {
            int sinks = sinksAtStart(cache.head(layer, g), bases[g], candidates);
            any |= sinks > 0;
            if (g < rows) {
                out[g] = scores.scores()[g].clone();
                for (int j = 0; j < sinks; j++) out[g][j] = FORCED;
            }
            if (ids != null) ids[g] = ownUnits(units.forHead(g), sinks);
        }
        if (!any) return new Forced(scores, units);
        return new Forced(new LayerScores(out, scores.preference()),
                ids == null ? units : CandidateUnits.of(ids, units.aggregation()));
    }

    /** How many of the first candidates (rows from {@code base}, in position order) sit below position {@link #count}. */
    private int sinksAtStart(HeadRows rows, int base, int candidates) {
        int n = 0;
        while (n < candidates && rows.position(base + n) < count) n++;
        return n;
    }

    /** Unit ids where the first {@code sinks} candidates are units of their own (ids stay non-decreasing). */
    private static int[] ownUnits(int[] unitOf, int sinks) {
        int[] ids = new int[unitOf.length];
        for (int j = 0; j < ids.length; j++) ids[j] = j < sinks ? j : unitOf[j] + sinks;
        return ids;
    }
}
