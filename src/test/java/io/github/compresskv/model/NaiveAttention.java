package io.github.compresskv.model;

import io.github.compresskv.cache.HeadRows;

/** The reference the attention tests compare with: softmax(q·k / √d) · V in double precision over the stored rows. */
final class NaiveAttention {
    private NaiveAttention() {}

    /** One query (q[qOff ..], headDim long) over the rows of {@code rows} whose position is ≤ {@code position}. */
    static double[] of(HeadRows rows, float[] q, int qOff, int position) {
        int d = rows.headDim(), visible = rows.visibleRows(position);
        float[] k = new float[d], v = new float[d];
        double[] s = new double[visible];
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < visible; r++) {
            rows.readKey(r, k, 0);
            double dot = 0;
            for (int i = 0; i < d; i++) dot += (double) q[qOff + i] * k[i];
            s[r] = dot / Math.sqrt(d);
            max = Math.max(max, s[r]);
        }
        double sum = 0;
        for (int r = 0; r < visible; r++) sum += s[r] = Math.exp(s[r] - max);
        double[] out = new double[d];
        for (int r = 0; r < visible; r++) {
            rows.readValue(r, v, 0);
            for (int i = 0; i < d; i++) out[i] += s[r] / sum * v[i];
        }
        return out;
    }
}
