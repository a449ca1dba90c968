package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Logits with each KV type against the F32 cache: a prefill of {@code p} tokens, then {@code t} decode steps fed the
 * sequence's own next tokens (teacher forcing), so every step attends to the sealed cache (codes plus the residual).
 * The test checks bounds on a short sequence; {@link #main} prints the table of docs/compression.md.
 */
class KvTypeLogitErrorTest {

    /** Error figures of one type over the decode steps. */
    record Error(KvStorage type, double maxRelative, double meanAbs, double top1Agreement, double meanKl) {
        String row(String model) {
            return String.format(Locale.ROOT, "| %s | %s | %.2e | %.2e | %.1f %% | %.2e |", model, type.name().toLowerCase(Locale.ROOT),
                    maxRelative, meanAbs, 100 * top1Agreement, meanKl);
        }
    }

    /** Decode logits of the steps p .. p + t − 1 of {@code tokens} with a cache of {@code type}: t × vocab. */
    static float[] decodeLogits(Model model, KvStorage type, int[] tokens, int p, int t) {
        Transformer tf = model.newTransformer();
        KvCache cache = model.newCache(type);
        tf.prefill(cache, Arrays.copyOf(tokens, p));
        int vocab = model.config().vocab();
        float[] out = new float[t * vocab];
        for (int i = 0; i < t; i++) System.arraycopy(tf.decode(cache, tokens[p + i]), 0, out, i * vocab, vocab);
        return out;
    }

    static Error error(KvStorage type, float[] ref, float[] got, int vocab) {
        int steps = ref.length / vocab, agree = 0;
        double maxRel = 0, sumAbs = 0, sumKl = 0;
        for (int s = 0; s < steps; s++) {
            int o = s * vocab;
            maxRel = Math.max(maxRel, Logits.maxRelativeError(got, o, ref, o, vocab));
            if (Logits.argmax(got, o, vocab) == Logits.argmax(ref, o, vocab)) agree++;
            double mr = Double.NEGATIVE_INFINITY, mg = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                sumAbs += Math.abs(got[o + i] - ref[o + i]);
                mr = Math.max(mr, ref[o + i]);
                mg = Math.max(mg, got[o + i]);
            }
            double zr = 0, zg = 0;
            for (int i = 0; i < vocab; i++) { zr += Math.exp(ref[o + i] - mr); zg += Math.exp(got[o + i] - mg); }
            double kl = 0;
            for (int i = 0; i < vocab; i++) {
                double lp = ref[o + i] - mr - Math.log(zr), lq = got[o + i] - mg - Math.log(zg);
                kl += Math.exp(lp) * (lp - lq);
            }
            sumKl += kl;
        }
        return new Error(type, maxRel, sumAbs / ref.length, (double) agree / steps, sumKl / steps);
    }

    static Error[] errors(Model model, int[] tokens, int p, int t) {
        float[] ref = decodeLogits(model, KvStorage.F32, tokens, p, t);
        KvStorage[] types = {KvStorage.F16, KvStorage.Q8, KvStorage.Q4};
        Error[] out = new Error[types.length];
        for (int i = 0; i < types.length; i++) out[i] = error(types[i], ref, decodeLogits(model, types[i], tokens, p, t), model.config().vocab());
        return out;
    }

    static int[] textTokens(Model model, int n) throws Exception {
        Tokenizer tok = Tokenizers.load(model.source());
        return Arrays.copyOf(tok.encode(Files.readString(Path.of("examples/needle-walden.txt")), true, true), n);
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    @Test
    void quantizedCachesStayCloseToF32OnTheEmbeddedModel() throws Exception {
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            Error[] e = errors(model, textTokens(model, 148), 100, 48);
            assertTrue(e[0].maxRelative() < 1e-2, "f16 " + e[0]);
            assertTrue(e[1].maxRelative() < 5e-2 && e[1].top1Agreement() >= 0.95, "q8 " + e[1]);
            assertTrue(e[2].meanKl() < 0.1 && e[2].top1Agreement() >= 0.8, "q4 " + e[2]);
            assertTrue(e[1].meanAbs() < e[2].meanAbs(), "q8 closer than q4");
        }
    }

    /**
     * The table: args = prefill tokens and decode steps on the embedded model (text of examples/needle-walden.txt),
     * then the same on the reference test models (random token ids, their context is 512).
     */
    public static void main(String[] args) throws Exception {
        int p = Integer.parseInt(args[0]), t = Integer.parseInt(args[1]);
        System.out.println("| model | KV type | max relative logit error | mean abs logit error | top-1 agreement | mean KL(F32 ‖ type) |");
        System.out.println("|---|---|---|---|---|---|");
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            for (Error e : errors(model, textTokens(model, p + t), p, t)) System.out.println(e.row("embedded (" + p + " + " + t + ")"));
        }
        for (String arch : new String[] {"llama", "mistral", "qwen2", "qwen3"}) {
            HuggingFaceGoldenTest.Golden g = HuggingFaceGoldenTest.golden(arch);
            try (Model model = HuggingFaceGoldenTest.load(g)) {
                for (Error e : errors(model, randomTokens(320, g.vocab(), 7), 192, 128)) System.out.println(e.row(arch + " test model (192 + 128)"));
            }
        }
    }
}
