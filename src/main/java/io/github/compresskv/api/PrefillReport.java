package io.github.compresskv.api;

/**
 * What {@link Context#prefill} or {@link Context#append} did: tokens run, time, and the KV cache before and after
 * compression. Without compression {@code kvBytesBefore == kvBytesAfter}.
 *
 * @param method            the compression method that ran ({@code full} when none), with its unit when not tokens
 * @param tokens            tokens run through the model (the prompt; a pending generated token not counted)
 * @param prefillMillis     wall time of the prefill (scoring of the compression methods that score during it included)
 * @param compressionMillis wall time of compressing after the prefill (a reconstruction pass and the eviction)
 * @param kvBytesBefore     bytes the context's KV cache holds with every row of this prompt (the full cache)
 * @param kvBytesAfter      bytes it holds now (the kept cache)
 * @param peakKvBytes       the largest size the cache reached on the way (streaming compression lowers it)
 * @param position          tokens the context has consumed (its next position; unchanged by compression)
 */
public record PrefillReport(String method, int tokens, double prefillMillis, double compressionMillis, long kvBytesBefore,
                            long kvBytesAfter, long peakKvBytes, int position) {

    /** kvBytesAfter / kvBytesBefore (1 without compression). */
    public double keptFraction() { return kvBytesBefore == 0 ? 1 : (double) kvBytesAfter / kvBytesBefore; }

    /** Prompt tokens per second of prefill time. */
    public double prefillTokensPerSecond() { return prefillMillis > 0 ? tokens / (prefillMillis / 1000) : 0; }
}
