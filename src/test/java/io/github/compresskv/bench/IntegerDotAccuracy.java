package io.github.compresskv.bench;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.Transformer;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Accuracy of the decode kernels against the float path, on one model: teacher-forced over a prompt, the logits of
 * token-by-token decode (matvec: the integer kernels of the 4- to 6-bit types unless
 * {@code -Dcompresskv.integer.dot=false}) against those of prefill (matmul: always float), as max relative error per
 * position (max |Δ| / max |logit|) and top-1 agreement; then a greedy continuation, to compare between two runs
 * with the property on and off. Run (after {@code mvn test-compile}):
 * <pre>java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$(cat target/cp.txt)
 *     io.github.compresskv.bench.IntegerDotAccuracy MODEL.gguf [tokens]</pre>
 */
public final class IntegerDotAccuracy {
    private IntegerDotAccuracy() {}

    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        int greedy = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        String text = "Once upon a time, in a small village by the sea, there lived an old fisherman who told stories to the"
                + " children every evening. One day a stranger arrived with a map of an island that nobody had ever seen.";
        try (Model model = Model.load(path)) {
            int[] prompt = model.tokenizer().encode(text, true, false);
            int vocab = model.config().vocab();
            float[] reference = new Transformer(model).prefillAllLogits(model.newCache(KvStorage.F32), prompt);
            Transformer tr = model.newTransformer();
            KvCache cache = model.newCache(KvStorage.F32);
            double worst = 0, sum = 0;
            int sameTop = 0;
            for (int t = 0; t < prompt.length; t++) {
                float[] l = tr.decode(cache, prompt[t]);
                double maxDiff = 0, maxRef = 0;
                int top = 0, refTop = 0;
                for (int i = 0; i < vocab; i++) {
                    float r = reference[t * vocab + i];
                    maxDiff = Math.max(maxDiff, Math.abs(l[i] - r));
                    maxRef = Math.max(maxRef, Math.abs(r));
                    if (l[i] > l[top]) top = i;
                    if (r > reference[t * vocab + refTop]) refTop = i;
                }
                double err = maxDiff / maxRef;
                worst = Math.max(worst, err);
                sum += err;
                if (top == refTop) sameTop++;
            }
            // greedy continuation from the prompt (decode path)
            Transformer g = model.newTransformer();
            KvCache c2 = model.newCache(KvStorage.F32);
            float[] l = g.prefill(c2, prompt);
            int[] out = new int[greedy];
            for (int i = 0; i < greedy; i++) {
                int best = 0;
                for (int k = 1; k < vocab; k++) if (l[k] > l[best]) best = k;
                out[i] = best;
                l = g.decode(c2, best);
            }
            System.out.printf("%s integer.dot=%s: %d positions, decode vs prefill logits max relative error %.3e (mean %.3e), "
                            + "top-1 agrees %d/%d%n", path.getFileName(), System.getProperty("compresskv.integer.dot", "true"),
                    prompt.length, worst, sum / prompt.length, sameTop, prompt.length);
            System.out.println("greedy " + Arrays.toString(out));
        }
    }
}
