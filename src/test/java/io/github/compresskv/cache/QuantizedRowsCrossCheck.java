package io.github.compresskv.cache;

import io.github.compresskv.tensor.MatmulKernels;

import java.util.Arrays;
import java.util.Random;

/**
 * The quantized KV kernels against scalar references, in a JVM of any vector width ({@code QuantizedHeadRowsTest} runs
 * it at this JVM's width, {@code KernelCrossCheck} at 128, 256 and 512 bits): key rows read back equal offset + scale ·
 * code exactly; decode's grouped kernels (keys scored with rows in lanes, pairs of query heads and a single one; values
 * from unscaled code tiles) match double-precision sums over those rows, with the visible rows ending inside a group,
 * on a group boundary and in the residual; the prefill's key panels equal the rows packed. Throws
 * {@link AssertionError} on the first mismatch.
 */
public final class QuantizedRowsCrossCheck {
    private static final int G = QuantLayout.GROUP;
    /** Head sizes: the value kernels' scalar fallback (4, 6: blocks smaller than a byte load), one value block (32), several (64, 128). */
    static final int[] HEAD_SIZES = {4, 6, 32, 64, 128};

    private QuantizedRowsCrossCheck() {}

    /** Every quantized type and head size. */
    public static void check() {
        for (KvStorage s : new KvStorage[] {KvStorage.Q8, KvStorage.Q4}) {
            for (int hd : HEAD_SIZES) check(s, hd);
        }
    }

    /** One KV type and head size. */
    static void check(KvStorage s, int hd) {
        int n = 9 * G + 7;
        Random rnd = new Random(31L * hd + s.ordinal());
        KvCache cache = new KvCache(1, 1, hd, s);
        float[] k = new float[hd], v = new float[hd];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < hd; c++) {
                k[c] = (float) rnd.nextGaussian() + (c == 1 ? 30f : 0f); // an outlier channel, as keys have
                v[c] = (float) rnd.nextGaussian();
            }
            cache.append(0, 0, k, 0, v, 0, r);
        }
        QuantizedHeadRows rows = (QuantizedHeadRows) cache.head(0, 0);
        float[] keys = new float[n * hd], values = new float[n * hd];
        rows.readKeys(0, n, keys, 0);
        rows.readValues(0, n, values, 0);
        String what = s + " head size " + hd;
        checkKeysAgainstCodes(rows, keys, hd, s, what);
        checkGroupedKernels(rows, keys, values, n, hd, rnd, what);
        checkPanels(rows, n, hd, what);
    }

    private static void checkKeysAgainstCodes(QuantizedHeadRows rows, float[] keys, int hd, KvStorage s, String what) {
        QuantLayout lay = QuantLayout.of(s, hd);
        byte[] codes = rows.keyCodesForCheck();
        short[] params = rows.keyParamsForCheck();
        for (int r = 0; r < rows.quantizedRows(); r++) {
            int p = (r / G) * 2 * hd;
            for (int c = 0; c < hd; c++) {
                float want = Math.fma(Float.float16ToFloat(params[p + c]), lay.getKey(codes, r, c), Float.float16ToFloat(params[p + hd + c]));
                if (keys[r * hd + c] != want) throw new AssertionError(what + ", key " + r + "," + c + ": " + keys[r * hd + c] + " != " + want);
            }
        }
    }

    private static void checkGroupedKernels(HeadRows rows, float[] keys, float[] values, int n, int hd, Random rnd, String what) {
        float[] tile = new float[HeadRows.TILE_ROWS * hd];
        for (int queries = 1; queries <= 3; queries++) {
            float[] q = new float[2 + queries * hd];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
            for (int visible : new int[] {5, 7, G, 2 * G + 9, 3 * G + 5, 8 * G, n}) {
                float[] scores = new float[queries * visible], w = new float[queries * visible];
                rows.groupKeyScores(q, 2, queries, 0.25f, visible, scores, visible, tile);
                for (int j = 0; j < queries; j++) {
                    for (int r = 0; r < visible; r++) {
                        double ref = 0;
                        for (int c = 0; c < hd; c++) ref += (double) q[2 + j * hd + c] * keys[r * hd + c];
                        close(0.25 * ref, scores[j * visible + r], 2e-5 * (1 + Math.abs(ref)) * Math.sqrt(hd),
                                what + ", score of query " + j + " of " + queries + ", row " + r + " of " + visible);
                        w[j * visible + r] = rnd.nextFloat();
                    }
                }
                float[] out = new float[1 + queries * hd];
                Arrays.fill(out, 1.5f);
                rows.groupAccumulateValues(w, visible, queries, visible, out, 1, tile);
                for (int j = 0; j < queries; j++) {
                    for (int c = 0; c < hd; c++) {
                        double ref = 1.5;
                        for (int r = 0; r < visible; r++) ref += (double) w[j * visible + r] * values[r * hd + c];
                        close(ref, out[1 + j * hd + c], 1e-4 * (1 + Math.abs(ref)) * Math.sqrt(visible),
                                what + ", value sum of query " + j + " of " + queries + ", channel " + c + ", " + visible + " rows");
                    }
                }
                if (out[0] != 1.5f) throw new AssertionError(what + ": value sums wrote before their outputs");
            }
        }
    }

    private static void checkPanels(HeadRows rows, int n, int hd, String what) {
        // panels straight from the channel-major codes where whole groups allow, rows and pack elsewhere: same floats
        int panel = MatmulKernels.PANEL;
        for (int[] range : new int[][] {{0, n}, {0, 8 * G}, {0, 4 * G}, {G, 2 * G + 3}, {2 * G, 5 * G + 3}, {G, 45}, {G + 3, 2 * G},
                {8 * G, n - 8 * G}}) {
            int from = range[0], count = range[1], panels = (count + panel - 1) / panel;
            float[] got = new float[panels * panel * hd], keys = new float[count * hd], want = new float[got.length];
            Arrays.fill(got, Float.NaN);
            rows.readKeyPanels(from, count, got, new float[count * hd]);
            rows.readKeys(from, from + count, keys, 0);
            for (int p = 0; p < panels; p++) MatmulKernels.pack(keys, p * panel * hd, Math.min(panel, count - p * panel), hd, want, p * hd * panel);
            if (!Arrays.equals(got, want)) throw new AssertionError(what + ", key panels of rows " + from + " + " + count);
        }
    }

    private static void close(double want, float got, double tolerance, String what) {
        if (!(Math.abs(want - got) <= tolerance)) throw new AssertionError(what + ": " + got + " != " + want);
    }
}
