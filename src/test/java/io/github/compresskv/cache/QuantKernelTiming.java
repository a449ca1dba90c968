package io.github.compresskv.cache;

import java.util.Locale;
import java.util.Random;

/**
 * Decode attention's two kernels over one KV head, per KV type, in one JVM: F16, Q8 and Q4 in turn, many rounds, the
 * minimum per type (robust on a shared machine where JMH's means were dominated by other processes). Args: rows
 * (default 16320), head size (default 32, the embedded model's), rounds (default 400). Prints µs per call.
 */
public final class QuantKernelTiming {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 16320, hd = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        KvStorage[] types = {KvStorage.F16, KvStorage.Q8, KvStorage.Q4};
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
        float[] q = new float[hd], s = new float[rows], out = new float[hd];
        for (int j = 0; j < hd; j++) q[j] = 0.1f * j;
        long[] keys = new long[types.length], values = new long[types.length];
        java.util.Arrays.fill(keys, Long.MAX_VALUE);
        java.util.Arrays.fill(values, Long.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int t = 0; t < types.length; t++) {
                long t0 = System.nanoTime();
                heads[t].keyScores(q, 0, 0.2f, rows, s, 0);
                long t1 = System.nanoTime();
                heads[t].accumulateValues(s, 0, rows, out, 0);
                long t2 = System.nanoTime();
                keys[t] = Math.min(keys[t], t1 - t0);
                values[t] = Math.min(values[t], t2 - t1);
            }
        }
        System.out.printf(Locale.ROOT, "| KV type | bytes read (%d rows × %d) | key scores µs | value sums µs | both, vs F16 |%n|---|---|---|---|---|%n", rows, hd);
        for (int t = 0; t < types.length; t++) {
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f× |%n", types[t].name().toLowerCase(Locale.ROOT),
                    types[t].bytesFor(rows, hd), keys[t] / 1e3, values[t] / 1e3, (double) (keys[0] + values[0]) / (keys[t] + values[t]));
        }
    }
}
