package io.github.compresskv.bench;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.generate.Sampler;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.Transformer;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One prefill and decode measurement at one prompt length (the benchmark without a sweep): the prefill's GFLOP/s
 * next to the vector FMA peak, and the decode loop's bandwidth (weight bytes + KV bytes read per token / median time
 * per token) next to a plain multi-threaded streaming read, both rooflines measured in the same run.
 *
 * @param weightBytes bytes of weight matrices read per decoded token
 * @param kvBytes     bytes of the KV cache at the end (what the last steps read)
 */
public record SingleRun(String config, int threads, KvStorage kvType, int promptTokens, double prefillSeconds, double prefillGflops,
                        int decodeTokens, double decodeMsMedian, long weightBytes, long kvBytes, double decodeGigabytesPerSecond,
                        double readGigabytesPerSecond, double fmaGigaflopsPerSecond) {

    /**
     * Measures: {@code warmupRuns} untimed prefills of up to one chunk (so that C2 has compiled the matmul kernels), the
     * timed prefill of {@code promptTokens} synthetic tokens, {@code warmup} untimed and {@code genTokens} timed greedy
     * decode steps, then the rooflines over a {@code probeMib} MiB buffer. Progress notes go to {@code log}.
     */
    public static SingleRun measure(Model model, KvStorage kvType, int promptTokens, int genTokens, int warmup, int warmupRuns, int probeMib,
                                    PrintStream log) {
        if (warmupRuns < 0) throw new IllegalArgumentException("--warmup-runs must be >= 0, got " + warmupRuns);
        if (promptTokens < 1 || genTokens < 1 || warmup < 0) throw new IllegalArgumentException("--prompt-tokens and --gen-tokens must be >= 1");
        ModelConfig c = model.config();
        if (promptTokens + warmup + genTokens > c.contextLength()) {
            throw new IllegalArgumentException("--prompt-tokens + --warmup + --gen-tokens = " + (promptTokens + warmup + genTokens)
                    + " exceeds the context length " + c.contextLength());
        }
        int threads = model.parallel().threads();
        int[] prompt = SweepRunner.syntheticTokens(promptTokens, c.vocab());
        Transformer tf = model.newTransformer();
        for (int round = 0; round < warmupRuns; round++) {
            tf.prefill(model.newCache(kvType), Arrays.copyOf(prompt, Math.min(prompt.length, tf.chunkSize())));
        }
        KvCache cache = model.newCache(kvType);
        long t0 = System.nanoTime();
        float[] logits = tf.prefill(cache, prompt);
        double prefillSec = (System.nanoTime() - t0) / 1e9;

        int token = Sampler.argmax(logits);
        for (int i = 0; i < warmup; i++) token = Sampler.argmax(tf.decode(cache, token));
        double[] stepMs = new double[genTokens];
        for (int i = 0; i < genTokens; i++) {
            long s = System.nanoTime();
            token = Sampler.argmax(tf.decode(cache, token));
            stepMs[i] = (System.nanoTime() - s) / 1e6;
        }
        double medianMs = SweepRunner.median(stepMs);
        long weightBytes = model.weights().matrixBytesPerToken();
        long kvBytes = cache.bytes();
        double decodeGBs = (weightBytes + kvBytes) / (medianMs / 1e3) / 1e9;

        log.println("measuring memory bandwidth (streaming read of " + probeMib + " MiB) and vector FMA peak ...");
        BandwidthProbe.Bandwidth bw = BandwidthProbe.readBandwidth((long) probeMib << 20, threads, 5);
        BandwidthProbe.FmaRate fma = BandwidthProbe.fmaRate(threads, 20_000_000, 3);
        // every prompt token goes through the layers; only the last one through the output projection
        double prefillFlops = 2.0 * (WorkModel.layerMatrixParams(c) * promptTokens + (double) c.dim() * c.vocab());
        return new SingleRun(c.summary(), threads, kvType, promptTokens, prefillSec, prefillFlops / prefillSec / 1e9, genTokens, medianMs,
                weightBytes, kvBytes, decodeGBs, bw.gigabytesPerSecond(), fma.gigaflopsPerSecond());
    }

    public double prefillTokensPerSecond() { return promptTokens / prefillSeconds; }

    public double decodeTokensPerSecond() { return 1000 / decodeMsMedian; }

    /** The figures under the names of the JSON file ({@code bench --json}). */
    public Map<String, Object> toMap(String model) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model);
        r.put("config", config);
        r.put("threads", threads);
        r.put("kv_type", kvType.toString());
        r.put("prompt_tokens", promptTokens);
        r.put("prefill_seconds", prefillSeconds);
        r.put("prefill_tokens_per_second", prefillTokensPerSecond());
        r.put("prefill_gflops", prefillGflops);
        r.put("decode_tokens", decodeTokens);
        r.put("decode_ms_per_token_median", decodeMsMedian);
        r.put("decode_tokens_per_second", decodeTokensPerSecond());
        r.put("weight_bytes_per_token", weightBytes);
        r.put("kv_bytes_at_end", kvBytes);
        r.put("decode_bandwidth_gb_per_s", decodeGigabytesPerSecond);
        r.put("streaming_read_gb_per_s", readGigabytesPerSecond);
        r.put("decode_fraction_of_streaming_read", decodeGigabytesPerSecond / readGigabytesPerSecond);
        r.put("fma_peak_gflops", fmaGigaflopsPerSecond);
        r.put("prefill_fraction_of_fma_peak", prefillGflops / fmaGigaflopsPerSecond);
        return r;
    }
}
