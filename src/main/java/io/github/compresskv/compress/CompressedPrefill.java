package io.github.compresskv.compress;

import io.github.compresskv.generate.Session;
import io.github.compresskv.tokenizer.Tokenizer;

/**
 * The prefill-then-compress path: runs a prompt into a session with the compressor of a {@link CompressionSpec}
 * observing it, then finishes the compression with {@link Session#compress}. A reconstructing method (KVzip)
 * prefills exactly, runs its reconstruction pass over the cache, then evicts. Timings are wall times.
 *
 * @param report            what the compression did (null when the spec does not compress)
 * @param prefillNanos      the prefill, including the per-layer scoring that runs inside it
 * @param reconstruction    the reconstruction pass of a reconstructing method, else null
 * @param evictionNanos     the post-prefill eviction
 */
public record CompressedPrefill(CompressionReport report, long prefillNanos, ReconstructionScorer reconstruction, long evictionNanos) {

    /**
     * Runs {@code tokens} into {@code session} (a prefill when it is empty, else an append whose new rows alone are
     * compressed) and compresses as {@code spec} says. {@code tokenizer} gives sentence units their sentence ends
     * and a reconstruction its prompts; it may be null when neither is needed.
     */
    public static CompressedPrefill run(Session session, int[] tokens, CompressionSpec spec, Tokenizer tokenizer) {
        boolean start = session.position() == 0;
        long t0 = System.nanoTime();
        if (!spec.compresses()) {
            run(session, start, tokens, null);
            return new CompressedPrefill(null, System.nanoTime() - t0, null, 0);
        }
        if (spec.reconstructs()) {
            if (!start) throw new CompressionException(spec.method().name() + " compresses a whole context: prefill it into an empty context");
            session.prefill(tokens);
            long t1 = System.nanoTime();
            ReconstructionScorer scores = new ContextReconstruction(session.model(), tokenizer).score(session.cache(), tokens);
            long t2 = System.nanoTime();
            KvCompressor k = scores.feed(spec.compressor(scores, session.model().config(), tokenizer, tokens), session.cache());
            CompressionReport r = session.compress(k).report();
            return new CompressedPrefill(r, t1 - t0, scores, System.nanoTime() - t2);
        }
        KvCompressor k = spec.compressor(session.model().config(), tokenizer, tokens);
        run(session, start, tokens, k);
        long t1 = System.nanoTime();
        CompressionReport r = session.compress(k).report();
        return new CompressedPrefill(r, t1 - t0, null, System.nanoTime() - t1);
    }

    private static void run(Session session, boolean start, int[] tokens, KvCompressor k) {
        if (start) session.prefill(tokens, k); else session.append(tokens, k);
    }

    /** Wall time from the first prompt token to the compressed cache: prefill, reconstruction pass, eviction. */
    public long totalNanos() { return prefillNanos + (reconstruction == null ? 0 : reconstruction.nanos()) + evictionNanos; }
}
