package io.github.compresskv.tensor;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.Transformer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Decode steps of one Q4_0 GGUF loaded twice in one JVM, once with its weights in row groups and once in ggml's
 * layout (row kernel), taken in turn so that both see the same machine (separate processes on the shared 2-core VM
 * moved by ±30 %): a 64-token prompt, then args[2] steps each, alternating; median and minimum of the steps after the
 * first 20. Run after {@code mvn test-compile} with the classpath of {@code dependency:build-classpath}:
 * <pre>java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     io.github.compresskv.tensor.RowGroupsDecodeTiming MODEL.gguf THREADS STEPS</pre>
 */
public final class RowGroupsDecodeTiming {
    private RowGroupsDecodeTiming() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), steps = Integer.parseInt(args[2]);
        try (Parallel pool = new Parallel(threads);
             Model grouped = load(file, pool);
             Model plain = load(file, pool)) {
            Model[] models = {grouped, plain};
            Transformer[] tf = new Transformer[2];
            KvCache[] caches = new KvCache[2];
            int[] prompt = new int[64];
            for (int i = 0; i < prompt.length; i++) prompt[i] = (int) ((i * 7919L + 13) % grouped.config().vocab());
            for (int m = 0; m < 2; m++) {
                Q4_0Matrix.rowGroups = "groups".equals(System.getenv("BOTH")) || m == 0 && !"plain".equals(System.getenv("BOTH")); // read when a matrix first computes: the prefill below
                tf[m] = models[m].newTransformer();
                caches[m] = models[m].newCache(KvStorage.F16);
                tf[m].prefill(caches[m], prompt);
                caches[m].seal();
                caches[m].reserveRows(steps + 1);
            }
            long[][] t = new long[2][steps];
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < 2; i++) {
                    int m = (s + i) % 2; // who goes first alternates
                    long t0 = System.nanoTime();
                    tf[m].decode(caches[m], 17 + s);
                    t[m][s] = System.nanoTime() - t0;
                }
            }
            String[] names = {"row groups", "ggml layout"};
            double[] median = new double[2];
            for (int m = 0; m < 2; m++) {
                long[] kept = Arrays.copyOfRange(t[m], 20, steps);
                Arrays.sort(kept);
                median[m] = kept[kept.length / 2] / 1e6;
                System.out.printf(Locale.ROOT, "%-11s decode median %.2f ms, min %.2f ms (%d steps, %d threads)%n", names[m], median[m],
                        kept[0] / 1e6, kept.length, threads);
            }
            System.out.printf(Locale.ROOT, "speed-up of the medians: %.2fx%n", median[1] / median[0]);
        }
    }

    private static Model load(Path file, Parallel pool) {
        return Model.load(ModelSources.open(file), pool);
    }
}
