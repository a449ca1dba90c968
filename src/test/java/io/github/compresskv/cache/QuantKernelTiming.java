package io.github.compresskv.cache;

import java.util.Locale;
import java.util.Random;

/**
 * Decode attention's two kernels over one KV head, per KV type, in one JVM: F16, Q8 and Q4 in turn, many rounds, the
 * minimum per type (robust on a shared machine where JMH's means were dominated by other processes). Args: rows
 * (default 16320), head size (default 32, the embedded model's), rounds (default 400), query heads per KV head for the
 * grouped kernels (default 2), KV types (default f16,q8,q4; the first is the baseline of the ratios). Prints µs per
 * call, and per query head for the grouped kernels, the time to convert all rows in tiles (keys, values), and to read all keys as the
 * prefill's panels (blocks of 256 rows).
 */
public final class QuantKernelTiming {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 16320, hd = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        int group = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        KvStorage[] types = args.length > 4
                ? java.util.Arrays.stream(args[4].split(",")).map(t -> KvStorage.valueOf(t.strip().toUpperCase(Locale.ROOT))).toArray(KvStorage[]::new)
                : new KvStorage[] {KvStorage.F16, KvStorage.Q8, KvStorage.Q4};
        HeadRows[] heads = new HeadRows[types.length];
        Random rnd = new Random(1);
        for (int t = 0; t < types.length; t++) {
            KvCache c = new KvCache(1, 1, hd, types[t]);
            c.head(0, 0).reserve(rows);
            float[] k = new float[hd];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < hd; j++) k[j] = (float) rnd.nextGaussian();
                c.append(0, 0, k, 0, k, 0, i);
            }
            heads[t] = c.head(0, 0);
        }
        float[] q = new float[group * hd], s = new float[group * rows], out = new float[group * hd], tile = new float[HeadRows.TILE_ROWS * hd];
        for (int j = 0; j < group * hd; j++) q[j] = 0.1f * (j % hd) - 0.01f * (j / hd);
        long[] keys = new long[types.length], values = new long[types.length], gKeys = new long[types.length], gValues = new long[types.length];
        long[] rKeys = new long[types.length], rValues = new long[types.length], pKeys = new long[types.length];
        float[] panels = new float[256 * hd], scratch = new float[256 * hd];
        for (long[] a : new long[][] {keys, values, gKeys, gValues, rKeys, rValues, pKeys}) java.util.Arrays.fill(a, Long.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int t = 0; t < types.length; t++) {
                long t0 = System.nanoTime();
                heads[t].keyScores(q, 0, 0.2f, rows, s, 0);
                long t1 = System.nanoTime();
                heads[t].accumulateValues(s, 0, rows, out, 0);
                long t2 = System.nanoTime();
                heads[t].groupKeyScores(q, 0, group, 0.2f, rows, s, rows, tile);
                long t3 = System.nanoTime();
                heads[t].groupAccumulateValues(s, rows, group, rows, out, 0, tile);
                long t4 = System.nanoTime();
                for (int r0 = 0; r0 < rows; r0 += HeadRows.TILE_ROWS) heads[t].readKeys(r0, Math.min(rows, r0 + HeadRows.TILE_ROWS), tile, 0);
                long t5 = System.nanoTime();
                for (int r0 = 0; r0 < rows; r0 += HeadRows.TILE_ROWS) heads[t].readValues(r0, Math.min(rows, r0 + HeadRows.TILE_ROWS), tile, 0);
                long t6 = System.nanoTime();
                for (int r0 = 0; r0 < rows; r0 += 256) heads[t].readKeyPanels(r0, Math.min(256, rows - r0), panels, scratch);
                long t7 = System.nanoTime();
                pKeys[t] = Math.min(pKeys[t], t7 - t6);
                rKeys[t] = Math.min(rKeys[t], t5 - t4);
                rValues[t] = Math.min(rValues[t], t6 - t5);
                keys[t] = Math.min(keys[t], t1 - t0);
                values[t] = Math.min(values[t], t2 - t1);
                gKeys[t] = Math.min(gKeys[t], t3 - t2);
                gValues[t] = Math.min(gValues[t], t4 - t3);
            }
        }
        System.out.printf(Locale.ROOT, "| KV type | bytes read (%d rows × %d) | key scores µs | value sums µs | both, vs F16 | grouped (%d queries) keys µs per query | values µs per query | both, vs F16 grouped | tiles of keys µs | tiles of values µs | prefill key panels µs |%n|---|---|---|---|---|---|---|---|---|---|---|%n",
                rows, hd, group);
        for (int t = 0; t < types.length; t++) {
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f× | %.1f | %.1f | %.2f× | %.1f | %.1f | %.1f |%n", types[t].name().toLowerCase(Locale.ROOT),
                    types[t].bytesFor(rows, hd), keys[t] / 1e3, values[t] / 1e3, (double) (keys[0] + values[0]) / (keys[t] + values[t]),
                    gKeys[t] / 1e3 / group, gValues[t] / 1e3 / group, (double) (gKeys[0] + gValues[0]) / (gKeys[t] + gValues[t]), rKeys[t] / 1e3, rValues[t] / 1e3, pKeys[t] / 1e3);
        }
    }
}
