package io.github.compresskv.bench;

/**
 * The measurements of one sweep point. Times in seconds or milliseconds as named; bytes exact; fractions of the
 * machine's rooflines ({@link MachineRates}) in [0, 1] (a fraction above 1 means the roofline was measured low,
 * e.g. while another process held a core). Memory: see {@link ProcessMemory}; −1 where unavailable.
 *
 * @param compressionSeconds  scoring plus selecting/gathering of the compressor (0 for full)
 * @param kvBytesUncompressed what the prompt's cache takes without compression
 * @param kvBytesPeak         the cache's exact peak ({@code KvCache.peakBytes}) over prefill, compression and decode
 * @param kvBytes             the cache at the end of the timed decode
 * @param decodeBytesPerToken weight matrix bytes + KV bytes a decode step reads
 * @param memoryBoundBytes    the memory goal: 1.1 × (weight matrix bytes + one uncompressed layer's cache of the
 *                            prompt + the cache after prefill and compression)
 * @param rssPeakAboveJvm     rssPeak minus the RSS of the JVM before the model was loaded (−1 when unknown)
 */
public record BenchResult(int context, String method, Integer budget, String kvType, boolean streaming,
                          double prefillSeconds, double prefillTokensPerSecond, double prefillFlops, double prefillGflops,
                          double prefillFractionOfFma,
                          double compressionSeconds, double compressionShareOfPrefill,
                          int decodeSteps, double decodeMsMedian, double decodeMsMin, double decodeTokensPerSecond,
                          long decodeBytesPerToken, double decodeGigabytesPerSecond, double decodeFractionOfBandwidth,
                          long kvBytesUncompressed, long kvBytesPeak, long kvBytes,
                          long rssBefore, long rssPeak, long rssAnonAfter, long rssFileAfter, boolean rssPeakReset,
                          long kvBytesAfterPrefill, long memoryBoundBytes, long rssPeakAboveJvm) {

    /** This result with rssPeakAboveJvm computed from the JVM's RSS before the model was loaded. */
    public BenchResult withJvmBaseline(long jvmRss) {
        return new BenchResult(context, method, budget, kvType, streaming, prefillSeconds, prefillTokensPerSecond, prefillFlops,
                prefillGflops, prefillFractionOfFma, compressionSeconds, compressionShareOfPrefill, decodeSteps, decodeMsMedian,
                decodeMsMin, decodeTokensPerSecond, decodeBytesPerToken, decodeGigabytesPerSecond, decodeFractionOfBandwidth,
                kvBytesUncompressed, kvBytesPeak, kvBytes, rssBefore, rssPeak, rssAnonAfter, rssFileAfter, rssPeakReset,
                kvBytesAfterPrefill, memoryBoundBytes, rssPeak < 0 || jvmRss < 0 ? -1 : rssPeak - jvmRss);
    }

    /** This result's roofline fractions against other rates. */
    public BenchResult withRates(MachineRates rates) {
        return new BenchResult(context, method, budget, kvType, streaming, prefillSeconds, prefillTokensPerSecond, prefillFlops,
                prefillGflops, prefillGflops / rates.fmaGigaflopsPerSecond(), compressionSeconds, compressionShareOfPrefill,
                decodeSteps, decodeMsMedian, decodeMsMin, decodeTokensPerSecond, decodeBytesPerToken, decodeGigabytesPerSecond,
                decodeGigabytesPerSecond / rates.readGigabytesPerSecond(), kvBytesUncompressed, kvBytesPeak, kvBytes, rssBefore,
                rssPeak, rssAnonAfter, rssFileAfter, rssPeakReset, kvBytesAfterPrefill, memoryBoundBytes, rssPeakAboveJvm);
    }

    public String label() { return budget == null ? method : method + " B=" + budget; }

    /** CSV header matching {@link #csvRow}. */
    public static String csvHeader() {
        return "context,method,budget,kv_type,streaming,prefill_s,prefill_tok_s,prefill_gflop,prefill_gflop_s,prefill_fma_fraction,"
                + "compression_ms,compression_share,decode_steps,decode_ms_median,decode_ms_min,decode_tok_s,decode_bytes_per_token,"
                + "decode_gb_s,decode_bandwidth_fraction,kv_bytes_uncompressed,kv_bytes_peak,kv_bytes,rss_before,rss_peak,"
                + "rss_anon_after,rss_file_after,rss_peak_reset,kv_bytes_after_prefill,memory_bound_bytes,rss_peak_above_jvm";
    }

    public String csvRow() {
        return String.join(",", Integer.toString(context), method, budget == null ? "" : budget.toString(), kvType,
                Boolean.toString(streaming), f(prefillSeconds), f(prefillTokensPerSecond), f(prefillFlops / 1e9), f(prefillGflops),
                f(prefillFractionOfFma), f(compressionSeconds * 1e3), f(compressionShareOfPrefill), Integer.toString(decodeSteps),
                f(decodeMsMedian), f(decodeMsMin), f(decodeTokensPerSecond), Long.toString(decodeBytesPerToken),
                f(decodeGigabytesPerSecond), f(decodeFractionOfBandwidth), Long.toString(kvBytesUncompressed),
                Long.toString(kvBytesPeak), Long.toString(kvBytes), Long.toString(rssBefore), Long.toString(rssPeak),
                Long.toString(rssAnonAfter), Long.toString(rssFileAfter), Boolean.toString(rssPeakReset),
                Long.toString(kvBytesAfterPrefill), Long.toString(memoryBoundBytes), Long.toString(rssPeakAboveJvm));
    }

    private static String f(double v) {
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
