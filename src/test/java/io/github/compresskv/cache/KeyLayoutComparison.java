package io.github.compresskv.cache;

import io.github.compresskv.model.Model;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Why keys are quantized per channel (docs/compression.md): on the embedded model's real post-RoPE keys and the last
 * 32 prompt queries of every head, the attention distribution with keys quantized per channel over 32-row groups
 * (KIVI) against per token (blocks of 32 channels, as llama.cpp's q8_0/q4_0 and as the values here), both with the
 * same half-precision scale and offset rule; total-variation distance to the exact distribution, mean over queries,
 * heads and layers. Args: prompt tokens (default 1024).
 */
public final class KeyLayoutComparison {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024, w = 32;
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            int[] tokens = Arrays.copyOf(Tokenizers.load(model.source()).encode(Files.readString(Path.of("examples/needle-walden.txt")), true, true), n);
            int heads = model.config().heads(), kv = model.config().kvHeads(), hd = model.config().headDim();
            double[][] tv = new double[2][2]; // [bits 8, 4][per channel, per token]
            int[] count = {0};
            model.newTransformer().prefill(model.newCache(KvStorage.F32), tokens, new PrefillObserver() {
                @Override public int observationWindow() { return w; }

                @Override public void layerDone(int layer, KvCache cache, int start, int len, float[] q, float[] cum) {
                    for (int g = 0; g < kv; g++) {
                        float[] k = new float[len * hd];
                        cache.head(layer, g).readKeys(0, len, k, 0);
                        for (int b = 0; b < 2; b++) {
                            QuantLayout lay = new QuantLayout(b == 0 ? 8 : 4, hd, Math.min(hd, 32));
                            float[][] variants = {perChannel(lay, k, len), perToken(lay, k, len)};
                            for (int h = g * (heads / kv); h < (g + 1) * (heads / kv); h++) {
                                for (int i = 0; i < w; i++) {
                                    int qo = (h * w + i) * hd, visible = len - w + i + 1;
                                    double[] exact = softmax(q, qo, k, visible, hd);
                                    for (int v = 0; v < 2; v++) {
                                        double[] approx = softmax(q, qo, variants[v], visible, hd);
                                        double d = 0;
                                        for (int r = 0; r < visible; r++) d += Math.abs(exact[r] - approx[r]);
                                        tv[b][v] += d / 2;
                                    }
                                    if (b == 0) count[0]++;
                                }
                            }
                        }
                    }
                }
            });
            System.out.println("| key layout | 8-bit: mean TV distance of attention | 4-bit |");
            System.out.println("|---|---|---|");
            String[] names = {"per channel, 32-row groups (KIVI; used)", "per token, 32-channel blocks"};
            for (int v = 0; v < 2; v++) {
                System.out.printf(Locale.ROOT, "| %s | %.2e | %.2e |%n", names[v], tv[0][v] / count[0], tv[1][v] / count[0]);
            }
        }
    }

    private static double[] softmax(float[] q, int qo, float[] k, int rows, int hd) {
        double[] s = new double[rows];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int r = 0; r < rows; r++) {
            double d = 0;
            for (int c = 0; c < hd; c++) d += (double) q[qo + c] * k[r * hd + c];
            s[r] = d / Math.sqrt(hd);
            max = Math.max(max, s[r]);
        }
        for (int r = 0; r < rows; r++) sum += s[r] = Math.exp(s[r] - max);
        for (int r = 0; r < rows; r++) s[r] /= sum;
        return s;
    }

    /** Keys of complete 32-row groups per channel; the rest left exact (the residual). */
    private static float[] perChannel(QuantLayout lay, float[] k, int rows) {
        float[] out = k.clone();
        int hd = lay.headDim();
        short[] p = new short[2];
        for (int g = 0; g + QuantLayout.GROUP <= rows; g += QuantLayout.GROUP) {
            for (int c = 0; c < hd; c++) {
                float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                for (int r = g; r < g + QuantLayout.GROUP; r++) { lo = Math.min(lo, k[r * hd + c]); hi = Math.max(hi, k[r * hd + c]); }
                lay.encodeParams(lo, hi, p, 0, 1);
                float s = Float.float16ToFloat(p[0]), o = Float.float16ToFloat(p[1]);
                for (int r = g; r < g + QuantLayout.GROUP; r++) out[r * hd + c] = Math.fma(s, lay.code(k[r * hd + c], s, o), o);
            }
        }
        return out;
    }

    /** Keys per row in blocks of lay.block() channels, with the same residual rows left exact. */
    private static float[] perToken(QuantLayout lay, float[] k, int rows) {
        float[] out = k.clone();
        int hd = lay.headDim(), quant = rows / QuantLayout.GROUP * QuantLayout.GROUP;
        short[] p = new short[2];
        for (int r = 0; r < quant; r++) {
            for (int b = 0; b < hd; b += lay.block()) {
                float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                for (int c = b; c < b + lay.block(); c++) { lo = Math.min(lo, k[r * hd + c]); hi = Math.max(hi, k[r * hd + c]); }
                lay.encodeParams(lo, hi, p, 0, 1);
                float s = Float.float16ToFloat(p[0]), o = Float.float16ToFloat(p[1]);
                for (int c = b; c < b + lay.block(); c++) out[r * hd + c] = Math.fma(s, lay.code(k[r * hd + c], s, o), o);
            }
        }
        return out;
    }
}
