package io.github.compresskv.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The quantized layouts against a scalar reference written from the layout's description (per-channel key groups,
 * per-row value blocks, offset rounded down and scale up to half precision), the attention kernels against the same
 * arithmetic on the dequantized rows, the residual at group boundaries, staging, eviction and forks.
 */
class QuantizedHeadRowsTest {
    private static final int G = QuantLayout.GROUP;

    /** Head sizes: the vector paths (32, 64, 128) and the scalar fallback (4, 6: blocks smaller than a byte load). */
    static Stream<Arguments> layouts() {
        return Stream.of(KvStorage.Q8, KvStorage.Q4).flatMap(s -> java.util.Arrays.stream(QuantizedRowsCrossCheck.HEAD_SIZES).mapToObj(hd -> Arguments.of(s, hd)));
    }

    /** Row r: channel c ~ N(0, 1) plus a large offset on channel 1 (keys have outlier channels; the reason for per-channel keys). */
    private static float[][] rows(int n, int hd, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][hd];
        for (int r = 0; r < n; r++) for (int c = 0; c < hd; c++) x[r][c] = (float) rnd.nextGaussian() + (c == 1 ? 40f : 0f);
        return x;
    }

    private static float h(float x) { return Float.float16ToFloat(Float.floatToFloat16(x)); }

    /** Reference: the largest half ≤ x, by a scan over all finite halves (independent of QuantLayout's stepping). */
    private static float halfAtMost(float x) {
        float best = Float.NEGATIVE_INFINITY;
        for (int b = 0; b < 0x10000; b++) {
            float y = Float.float16ToFloat((short) b);
            if (Float.isFinite(y) && y <= x && y > best) best = y;
        }
        return best;
    }

    /** Reference: the smallest half ≥ x. */
    private static float halfAtLeast(float x) {
        float best = Float.POSITIVE_INFINITY;
        for (int b = 0; b < 0x10000; b++) {
            float y = Float.float16ToFloat((short) b);
            if (Float.isFinite(y) && y >= x && y < best) best = y;
        }
        return best;
    }

    /** Reference dequantization of values v (already half precision) sharing one (scale, offset). */
    private static float[] reference(float[] v, int bits) {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float x : v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
        int max = (1 << bits) - 1;
        float o = halfAtMost(lo), s = halfAtLeast((hi - o) / max);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            int u = s == 0 ? 0 : Math.max(0, Math.min(max, Math.round((v[i] - o) / s)));
            out[i] = Math.fma(s, u, o);
        }
        return out;
    }

    /** Expected keys and values of rows [0, n) once complete groups are codes (the residual stays half precision). */
    private static float[][][] expected(float[][] k, float[][] v, int n, int hd, KvStorage s) {
        float[][] ek = new float[n][hd], ev = new float[n][hd];
        int quant = n / G * G, block = Math.min(hd, 32);
        for (int r = 0; r < n; r++) for (int c = 0; c < hd; c++) { ek[r][c] = h(k[r][c]); ev[r][c] = h(v[r][c]); }
        for (int g = 0; g < quant; g += G) {
            for (int c = 0; c < hd; c++) {
                float[] col = new float[G];
                for (int r = 0; r < G; r++) col[r] = ek[g + r][c];
                float[] d = reference(col, s.bits());
                for (int r = 0; r < G; r++) ek[g + r][c] = d[r];
            }
        }
        for (int r = 0; r < quant; r++) {
            for (int b = 0; b < hd; b += block) {
                float[] d = reference(java.util.Arrays.copyOfRange(ev[r], b, b + block), s.bits());
                System.arraycopy(d, 0, ev[r], b, block);
            }
        }
        return new float[][][] {ek, ev};
    }

    private static KvCache filled(KvStorage s, int hd, float[][] k, float[][] v, int n) {
        KvCache c = new KvCache(1, 1, hd, s);
        for (int r = 0; r < n; r++) c.append(0, 0, k[r], 0, v[r], 0, 3 * r + 1);
        c.advance(3 * n);
        return c;
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void roundTripsMatchTheScalarReferenceAndStayWithinHalfAStep(KvStorage s, int hd) {
        int n = 3 * G + 5;
        float[][] k = rows(n, hd, 1), v = rows(n, hd, 2);
        HeadRows rows = filled(s, hd, k, v, n).head(0, 0);
        float[][][] e = expected(k, v, n, hd, s);
        float[] got = new float[n * hd], gotV = new float[n * hd];
        rows.readKeys(0, n, got, 0);
        rows.readValues(0, n, gotV, 0);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < hd; c++) {
                assertEquals(e[0][r][c], got[r * hd + c], 0f, "key " + r + "," + c);
                assertEquals(e[1][r][c], gotV[r * hd + c], 0f, "value " + r + "," + c);
            }
        }
        // error bound: half a step of a range of about 8 (keys: per channel; values: a row including the 40-offset channel)
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < hd; c++) {
                double step = (s == KvStorage.Q8 ? 10.0 / 255 : 10.0 / 15);
                assertEquals(k[r][c], got[r * hd + c], c == 1 || r >= 3 * G ? 0.05 + step : step, "key error");
            }
        }
        assertEquals(3 * G, ((QuantizedHeadRows) rows).quantizedRows());
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void attentionOverCodesMatchesTheDequantizedRows(KvStorage s, int hd) {
        int n = 4 * G + 7;
        float[][] k = rows(n, hd, 3), v = rows(n, hd, 4);
        HeadRows rows = filled(s, hd, k, v, n).head(0, 0);
        float[] keys = new float[n * hd], values = new float[n * hd];
        rows.readKeys(0, n, keys, 0);
        rows.readValues(0, n, values, 0);
        Random rnd = new Random(5);
        float[] q = new float[hd + 3];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        for (int visible : new int[] {1, G - 1, G, G + 1, 2 * G, n}) {
            float[] scores = new float[visible + 2];
            rows.keyScores(q, 3, 0.5f, visible, scores, 2);
            float[] w = new float[visible + 1];
            for (int r = 0; r < visible; r++) {
                double ref = 0;
                for (int c = 0; c < hd; c++) ref += (double) q[3 + c] * keys[r * hd + c];
                assertEquals(0.5 * ref, scores[2 + r], 1e-4 * (1 + Math.abs(ref)) * Math.sqrt(hd), "score of row " + r + " of " + visible);
                w[1 + r] = rnd.nextFloat();
            }
            float[] out = new float[hd + 1];
            out[1] = 2f;
            rows.accumulateValues(w, 1, visible, out, 1);
            for (int c = 0; c < hd; c++) {
                double ref = c == 0 ? 2 : 0;
                for (int r = 0; r < visible; r++) ref += (double) w[1 + r] * values[r * hd + c];
                assertEquals(ref, out[1 + c], 1e-4 * (1 + Math.abs(ref)) * Math.sqrt(visible), "value sum, channel " + c + " of " + visible + " rows");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void decodeKernelsAndPrefillPanelsMatchTheDequantizedRows(KvStorage s, int hd) {
        // the same checks KernelCrossCheck runs at the other vector widths: exact key rows, grouped scores and value
        // sums for 1-3 query heads, prefill panels (see QuantizedRowsCrossCheck)
        QuantizedRowsCrossCheck.check(s, hd);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void residualQuantizesExactlyWhenAGroupFillsAndBytesCountEverything(KvStorage s, int hd) {
        float[][] k = rows(2 * G + 1, hd, 6);
        KvCache c = new KvCache(1, 1, hd, s);
        QuantizedHeadRows h = (QuantizedHeadRows) c.head(0, 0);
        QuantLayout lay = QuantLayout.of(s, hd);
        for (int r = 0; r < 2 * G + 1; r++) {
            c.append(0, 0, k[r], 0, k[r], 0, r);
            int n = r + 1;
            assertEquals(n / G * G, h.quantizedRows(), "after row " + r);
            long expected = (long) (n / G) * (G * lay.quantRowBytes() + lay.groupParamBytes()) + (long) (n % G) * hd * 4;
            assertEquals(expected, c.bytes(), "bytes after " + n + " rows");
            assertEquals(s.bytesFor(n, hd), c.bytes());
        }
        // staged: nothing is quantized until seal, which leaves the last n mod G rows in half precision
        KvCache staged = new KvCache(1, 1, hd, s);
        staged.stage();
        for (int r = 0; r < 2 * G + 1; r++) staged.append(0, 0, k[r], 0, k[r], 0, r);
        QuantizedHeadRows sh = (QuantizedHeadRows) staged.head(0, 0);
        assertEquals(0, sh.quantizedRows());
        assertEquals((2L * G + 1) * hd * 4, staged.bytes());
        assertEquals(s.bytesFor(2 * G + 1, hd), staged.sealedBytes());
        staged.seal();
        assertEquals(2 * G, sh.quantizedRows());
        assertEquals(s.bytesFor(2 * G + 1, hd), staged.bytes());
        assertEquals((2L * G + 1) * hd * 4, staged.peakBytes(), "the staged rows were the peak");
        float[] a = new float[hd], b = new float[hd];
        for (int r = 0; r < 2 * G + 1; r++) {
            c.head(0, 0).readKey(r, a, 0);
            staged.head(0, 0).readKey(r, b, 0);
            assertArrayEquals(a, b, "staged then sealed = quantized as the rows came, row " + r);
        }
    }

    @Test
    void evictionKeepsWholeLeadingGroupsAsCodesAndRequantizesTheRest() {
        int hd = 32, n = 3 * G + 4;
        float[][] k = rows(n, hd, 7), v = rows(n, hd, 8);
        for (KvStorage s : new KvStorage[] {KvStorage.Q8, KvStorage.Q4}) {
            KvCache c = filled(s, hd, k, v, n);
            float[] before = new float[n * hd], after = new float[n * hd];
            c.head(0, 0).readKeys(0, n, before, 0);
            // truncate inside the third group: two groups stay codes bit for bit, the rest of the third group becomes residual
            c.truncate(3 * (2 * G + 5));
            QuantizedHeadRows h = (QuantizedHeadRows) c.head(0, 0);
            assertEquals(2 * G + 5, h.size());
            assertEquals(2 * G, h.quantizedRows());
            h.readKeys(0, h.size(), after, 0);
            for (int i = 0; i < 2 * G * hd; i++) assertEquals(before[i], after[i], 0f, "whole groups stay codes " + i);
            for (int i = 2 * G * hd; i < (2 * G + 5) * hd; i++) {
                assertEquals(before[i], after[i], Math.abs(before[i]) * 0x1p-11f, "the broken group's rows: their decoded values in half precision " + i);
            }
            assertEquals(s.bytesFor(2 * G + 5, hd), c.bytes());
            // evict every other row: the first group is broken, so all kept rows are quantized again in new groups
            int[] keep = new int[G + 2];
            for (int i = 0; i < keep.length; i++) keep[i] = 2 * i;
            c.retain(0, 0, keep);
            assertEquals(G, h.quantizedRows());
            assertEquals(s.bytesFor(G + 2, hd), c.bytes());
            h.readKeys(0, keep.length, after, 0);
            double step = s == KvStorage.Q8 ? 10.0 / 255 : 10.0 / 15;
            for (int i = 0; i < keep.length; i++) {
                for (int d = 0; d < hd; d++) assertEquals(k[keep[i]][d], after[i * hd + d], 2 * step + 0.05, "second rounding stays within two steps");
                assertEquals(3 * keep[i] + 1, h.position(i));
            }
        }
    }

    @Test
    void forksShareCodesUntilOneWritesAndStayIndependent() {
        int hd = 32, n = 2 * G + 3;
        float[][] k = rows(n + G, hd, 9);
        KvCache c = filled(KvStorage.Q4, hd, k, k, n);
        KvCache fork = c.copy();
        QuantizedHeadRows a = (QuantizedHeadRows) c.head(0, 0), b = (QuantizedHeadRows) fork.head(0, 0);
        assertTrue(a.sharesCodesWith(b), "a fork references the same codes");
        assertEquals(c.bytes(), fork.bytes());
        float[] orig = new float[n * hd], x = new float[n * hd];
        a.readKeys(0, n, orig, 0);
        // the fork fills a new group: it copies the codes first, the original reads what it read before
        for (int r = n; r < n + G; r++) fork.append(0, 0, k[r], 0, k[r], 0, 3 * r + 1);
        assertFalse(a.sharesCodesWith(b));
        assertEquals(3 * G, b.quantizedRows());
        a.readKeys(0, n, x, 0);
        assertArrayEquals(orig, x);
        b.readKeys(0, 2 * G, x, 0);
        assertArrayEquals(java.util.Arrays.copyOf(orig, 2 * G * hd), java.util.Arrays.copyOf(x, 2 * G * hd), "the fork's own copy of the shared codes");
        // and the original writes on its own arrays too
        for (int r = n; r < n + G; r++) c.append(0, 0, k[r], 0, k[r], 0, 3 * r + 1);
        float[] y = new float[(n + G) * hd], z = new float[(n + G) * hd];
        a.readKeys(0, n + G, y, 0);
        b.readKeys(0, n + G, z, 0);
        assertArrayEquals(y, z, "the same rows quantized on both sides");
    }

    @Test
    void headSizesTheLayoutCannotTakeFailWithTheFlag() {
        var e = assertThrows(IllegalArgumentException.class, () -> new KvCache(1, 1, 48, KvStorage.Q4));
        assertTrue(e.getMessage().contains("--kv-type q4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KvCache(1, 1, 5, KvStorage.Q8));
    }

    @Test
    void valuesBeyondHalfPrecisionFailClearly() {
        KvCache c = new KvCache(1, 1, 4, KvStorage.Q8);
        float[] big = {1e6f, 0, 0, 0};
        var e = assertThrows(IllegalArgumentException.class, () -> {
            for (int r = 0; r < G; r++) c.append(0, 0, big, 0, big, 0, r);
        });
        assertTrue(e.getMessage().contains("half-precision range"), e.getMessage());
    }
}
