package io.github.compresskv.compress;

/**
 * What one compression did.
 *
 * @param bytesBefore   KV bytes the prompt would take uncompressed (Σ over layers of the bytes at the end of each layer's prefill;
 *                      for a quantized cache the bytes those rows take as codes)
 * @param bytesAfter    KV bytes after compression ({@code cache.bytes()})
 * @param peakBytes     the largest {@code cache.bytes()} seen at the end of a layer's prefill (before its eviction); in
 *                      streaming mode one full layer plus the compressed rest
 * @param layerBudgets  budget per layer (tokens per KV head incl. the window); empty when nothing was allocated
 * @param keptRows      rows per [layer][kvHead] after compression
 */
public record CompressionReport(String method, int promptLength, long bytesBefore, long bytesAfter, long peakBytes,
                                int[] layerBudgets, int[][] keptRows, long scoringNanos, long selectingNanos) {

    /** One line for stderr: sizes before/after, peak and time. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "%s: KV cache %s -> %s (%.1f%%), peak %s, scoring %.1f ms, selecting %.1f ms",
                method, mib(bytesBefore), mib(bytesAfter), bytesBefore == 0 ? 100.0 : 100.0 * bytesAfter / bytesBefore,
                mib(peakBytes), scoringNanos / 1e6, selectingNanos / 1e6);
    }

    private static String mib(long bytes) { return String.format(java.util.Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024.0)); }
}
