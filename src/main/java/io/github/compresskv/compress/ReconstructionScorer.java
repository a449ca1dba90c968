package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.model.ModelConfig;

import java.util.Arrays;

/**
 * KVzip's context-reconstruction scores of one prefilled context, served as a {@link Scorer}: for layer l and KV head
 * g, candidate j scores the largest softmax attention that context row j received from any query of the
 * reconstruction pass, over the query heads of g's group ({@link ContextReconstruction} computes them). The scores
 * exist before the compressor runs, so {@link #compress} feeds the compressor the finished cache layer by layer
 * instead of a prefill.
 *
 * <p>The {@code kvzip} preset holds {@link #UNSCORED}, which refuses to score: the method only runs where a
 * reconstruction pass was made ({@link #compressor} swaps in the real scores).
 */
public final class ReconstructionScorer implements Scorer {
    /** The preset's placeholder: scoring with it is an error (kvzip outside question-agnostic compression). */
    static final ReconstructionScorer UNSCORED = new ReconstructionScorer(null, 0, 0, 0, 0, 0);

    private final float[][][] scores;
    private final int contextLength;
    private final int passTokens;
    private final int chunks;
    private final long nanos;
    private final long scoringNanos;

    /** @param scores [layer][kvHead][contextLength] maxima; the other figures describe the pass that made them */
    ReconstructionScorer(float[][][] scores, int contextLength, int passTokens, int chunks, long nanos, long scoringNanos) {
        this.scores = scores;
        this.contextLength = contextLength;
        this.passTokens = passTokens;
        this.chunks = chunks;
        this.nanos = nanos;
        this.scoringNanos = scoringNanos;
    }

    @Override
    public LayerScores score(LayerTaps t) {
        if (scores == null) {
            throw new CompressionException("kvzip scores a context by reconstructing it after its prefill; it runs only in"
                    + " question-agnostic compression (--question-agnostic), not inside a prefill, at decode time or streaming");
        }
        if (t.promptLength() != contextLength || t.promptBase(0) != 0) {
            throw new IllegalArgumentException("reconstruction scores are for a context of " + contextLength + " rows; layer "
                    + t.layer() + " holds " + t.cache().rows(t.layer(), 0) + " rows with a prompt of " + t.promptLength());
        }
        float[][] out = new float[t.kvHeads()][];
        for (int g = 0; g < out.length; g++) out[g] = Arrays.copyOf(scores[t.layer()][g], t.candidates());
        return LayerScores.perHead(out);
    }

    /** Score of context row {@code row} in {@code layer}, KV head {@code kvHead} (tests, diagnostics). */
    public float score(int layer, int kvHead, int row) { return scores[layer][kvHead][row]; }

    public int contextLength() { return contextLength; }

    /** Tokens the reconstruction pass ran through the model (repeat prompts and the repeated context). */
    public int passTokens() { return passTokens; }

    /** Chunks the context was repeated in. */
    public int chunks() { return chunks; }

    /** Wall time of the reconstruction pass (forward passes and scoring). */
    public long nanos() { return nanos; }

    /** The part of {@link #nanos} spent scoring (the attention of the repeat queries), the rest is the forward passes. */
    public long scoringNanos() { return scoringNanos; }

    /**
     * The compressor of {@code method} (a reconstructing preset, e.g. kvzip) with these scores in place of its
     * placeholder: its selector, allocator and budget as the preset says.
     */
    public KvCompressor compressor(CompressionMethod method, Budget budget, ModelConfig config, CompressionOptions options) {
        if (!method.reconstructs()) throw new IllegalArgumentException(method.name() + " does not score by reconstruction");
        if (scores == null) throw new IllegalStateException("the placeholder has no scores");
        KvCompressor.requireUnitApplies(method, options.unit());
        KvCompressor.requireSinksApply(method, options.sinkTokens());
        CompressionPolicy p = method.policy(options, budget);
        return new KvCompressor(CompressionSpec.label(method, options), new CompressionPolicy(this, p.selector(), p.allocator()), budget, config, options);
    }

    /**
     * Evicts {@code cache} (exactly the scored context, nothing appended yet) with {@code compressor}: every layer is
     * handed over as a finished prefill of the whole context, then the compressor evicts and reports.
     */
    public CompressionReport compress(KvCompressor compressor, KvCache cache) {
        return feed(compressor, cache).finish(cache);
    }

    /**
     * Hands {@code cache} (exactly the scored context) to {@code compressor} as a finished prefill, layer by layer,
     * so that its post-prefill step ({@code Session.compress}) evicts. Returns the compressor.
     */
    public KvCompressor feed(KvCompressor compressor, KvCache cache) {
        if (cache.nextPosition() != contextLength) {
            throw new IllegalStateException("the cache holds " + cache.nextPosition() + " positions, the scores are for a context of " + contextLength);
        }
        for (int l = 0; l < cache.layers(); l++) compressor.layerDone(l, cache, 0, contextLength, null, null);
        return compressor;
    }
}
