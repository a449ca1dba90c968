package io.github.compresskv.cache;

import io.github.compresskv.tensor.MatmulKernels;

import java.util.Random;

/**
 * The quantized KV kernels against scalar references, for a JVM of any vector width ({@code KernelCrossCheck} runs it at
 * 128, 256 and 512 bits): rows read back equal offset + scale · code exactly; grouped key scores (1–3 query heads) and
 * value sums match double-precision sums over those rows; prefill key panels equal the rows packed. Throws
 * {@link AssertionError} on the first mismatch.
 */
public final class QuantizedRowsCrossCheck {
    private QuantizedRowsCrossCheck() {}

    public static void check() {
        int g = QuantLayout.GROUP;
        for (KvStorage s : new KvStorage[] {KvStorage.Q8, KvStorage.Q4}) {
            for (int hd : new int[] {6, 32, 64, 128}) {
                int n = 5 * g + 11;
                Random rnd = new Random(31L * hd + s.ordinal());
                KvCache cache = new KvCache(1, 1, hd, s);
                float[] k = new float[hd], v = new float[hd];
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < hd; c++) {
                        k[c] = (float) rnd.nextGaussian() + (c == 1 ? 30f : 0f);
                        v[c] = (float) rnd.nextGaussian();
                    }
                    cache.append(0, 0, k, 0, v, 0, r);
                }
                QuantizedHeadRows rows = (QuantizedHeadRows) cache.head(0, 0);
                float[] keys = new float[n * hd], values = new float[n * hd];
                rows.readKeys(0, n, keys, 0);
                rows.readValues(0, n, values, 0);
                checkKeysAgainstCodes(rows, keys, hd, s);
                checkGroupedKernels(rows, keys, values, n, hd, rnd, s);
                checkPanels(rows, n, hd, s);
            }
        }
    }

    private static void checkKeysAgainstCodes(QuantizedHeadRows rows, float[] keys, int hd, KvStorage s) {
        QuantLayout lay = QuantLayout.of(s, hd);
        byte[] codes = rows.keyCodesForCheck();
        short[] params = rows.keyParamsForCheck();
        for (int r = 0; r < rows.quantizedRows(); r++) {
            int p = (r / QuantLayout.GROUP) * 2 * hd;
            for (int c = 0; c < hd; c++) {
                float want = Math.fma(Float.float16ToFloat(params[p + c]), lay.getKey(codes, r, c), Float.float16ToFloat(params[p + hd + c]));
                if (keys[r * hd + c] != want) throw new AssertionError(s + " hd " + hd + " key " + r + "," + c + ": " + keys[r * hd + c] + " != " + want);
            }
        }
    }

    private static void checkGroupedKernels(HeadRows rows, float[] keys, float[] values, int n, int hd, Random rnd, KvStorage s) {
        float[] tile = new float[HeadRows.TILE_ROWS * hd];
        for (int queries = 1; queries <= 3; queries++) {
            float[] q = new float[queries * hd];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
            for (int visible : new int[] {7, QuantLayout.GROUP, 3 * QuantLayout.GROUP + 5, n}) {
                float[] scores = new float[queries * visible], w = new float[queries * visible], out = new float[queries * hd];
                rows.groupKeyScores(q, 0, queries, 0.5f, visible, scores, visible, tile);
                for (int j = 0; j < queries; j++) {
                    for (int r = 0; r < visible; r++) {
                        double ref = 0;
                        for (int c = 0; c < hd; c++) ref += (double) q[j * hd + c] * keys[r * hd + c];
                        close(0.5 * ref, scores[j * visible + r], 2e-5 * (1 + Math.abs(ref)) * Math.sqrt(hd), s + " hd " + hd + " score " + j + "," + r);
                        w[j * visible + r] = rnd.nextFloat();
                    }
                }
                rows.groupAccumulateValues(w, visible, queries, visible, out, 0, tile);
                for (int j = 0; j < queries; j++) {
                    for (int c = 0; c < hd; c++) {
                        double ref = 0;
                        for (int r = 0; r < visible; r++) ref += (double) w[j * visible + r] * values[r * hd + c];
                        close(ref, out[j * hd + c], 1e-4 * (1 + Math.abs(ref)) * Math.sqrt(visible), s + " hd " + hd + " value " + j + "," + c);
                    }
                }
            }
        }
    }

    private static void checkPanels(HeadRows rows, int n, int hd, KvStorage s) {
        int panel = MatmulKernels.PANEL;
        for (int[] range : new int[][] {{0, n}, {QuantLayout.GROUP, 2 * QuantLayout.GROUP + 3}, {0, 4 * QuantLayout.GROUP}}) {
            int from = range[0], count = range[1], panels = (count + panel - 1) / panel;
            float[] got = new float[panels * panel * hd], keys = new float[count * hd], want = new float[got.length];
            rows.readKeyPanels(from, count, got, new float[count * hd]);
            rows.readKeys(from, from + count, keys, 0);
            for (int p = 0; p < panels; p++) MatmulKernels.pack(keys, p * panel * hd, Math.min(panel, count - p * panel), hd, want, p * hd * panel);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != want[i]) throw new AssertionError(s + " hd " + hd + " panel float " + i + " of rows " + from + " + " + count);
            }
        }
    }

    private static void close(double want, float got, double tolerance, String what) {
        if (!(Math.abs(want - got) <= tolerance)) throw new AssertionError(what + ": " + got + " != " + want);
    }
}
