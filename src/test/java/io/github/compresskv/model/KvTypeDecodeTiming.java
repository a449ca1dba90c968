package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Full-cache decode steps of the embedded model with an F16 and a q4 cache in one JVM, taken in turn (so both see
 * the same machine load; separate `bench` processes on a shared machine did not): the same synthetic prompt of
 * args[0] tokens prefilled into both, then 120 steps each, alternating; minimum and mean of the last 80. args[1], if
 * given, lists other types (e.g. {@code f32,f16,q8,q4}).
 */
public final class KvTypeDecodeTiming {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        KvStorage[] types = args.length > 1
                ? java.util.Arrays.stream(args[1].split(",")).map(t -> KvStorage.valueOf(t.strip().toUpperCase(Locale.ROOT))).toArray(KvStorage[]::new)
                : new KvStorage[] {KvStorage.F16, KvStorage.Q4};
        try (Model m = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            Transformer[] tf = new Transformer[types.length];
            KvCache[] caches = new KvCache[types.length];
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) tokens[i] = (int) ((i * 7919L + 13) % m.config().vocab());
            for (int t = 0; t < types.length; t++) {
                tf[t] = m.newTransformer();
                caches[t] = m.newCache(types[t]);
                tf[t].prefill(caches[t], tokens);
                caches[t].seal();
                caches[t].reserveRows(130);
            }
            long[] best = new long[types.length], sum = new long[types.length];
            java.util.Arrays.fill(best, Long.MAX_VALUE);
            for (int s = 0; s < 120; s++) {
                for (int t = 0; t < types.length; t++) {
                    long t0 = System.nanoTime();
                    tf[t].decode(caches[t], 17 + s);
                    long d = System.nanoTime() - t0;
                    if (s >= 40) {
                        best[t] = Math.min(best[t], d);
                        sum[t] += d;
                    }
                }
            }
            for (int t = 0; t < types.length; t++) {
                System.out.printf(Locale.ROOT, "%s at %d tokens: decode min %.2f ms, mean %.2f ms (KV %d bytes)%n", types[t], n,
                        best[t] / 1e6, sum[t] / 80 / 1e6, caches[t].bytes());
            }
        }
    }
}
