package io.github.compresskv.compress;

/**
 * CompressKV §4.2: only the top-k semantic retrieval heads (query heads) of the layer, from a head profile,
 * score the candidates: each head's window attention column sums (as SnapKV), pooled, then a plain mean over
 * the k heads regardless of their KV groups → one score row shared by all KV heads of the layer.
 */
public final class SemanticRetrievalHeadScorer implements Scorer {
    private final HeadProfile profile;
    private final int headsPerLayer;
    private final Pooling pooling;
    private final int kernel;

    /** CompressKV's scorer settings: the head profile ({@code --head-profile}) and the retrieval heads k per layer. */
    public record Settings(java.nio.file.Path headProfile, int heads) implements PartSettings {
        public static final Settings DEFAULT = new Settings(null, 4);

        public Settings {
            if (heads < 1) throw new CompressionException("retrieval heads per layer must be ≥ 1, got " + heads);
        }

        /** The scorer, reading the profile now. */
        public SemanticRetrievalHeadScorer scorer(AttentionPooling pooling) {
            if (headProfile == null) {
                throw new CompressionException("compresskv needs a semantic retrieval head profile: pass --head-profile FILE "
                        + "(make one with `" + HeadProfile.PRODUCER + "`)");
            }
            return new SemanticRetrievalHeadScorer(HeadProfile.load(headProfile), heads, pooling.pooling(), pooling.kernel());
        }
    }

    public SemanticRetrievalHeadScorer(HeadProfile profile, int headsPerLayer, Pooling pooling, int kernel) {
        if (headsPerLayer < 1) throw new CompressionException("the number of semantic retrieval heads per layer must be ≥ 1, got " + headsPerLayer);
        this.profile = profile;
        this.headsPerLayer = headsPerLayer;
        this.pooling = pooling;
        this.kernel = kernel;
    }

    @Override
    public LayerScores score(LayerTaps t) {
        int[] heads = profile.topHeads(t.layer(), headsPerLayer);
        float[][] pooled = new float[heads.length][];
        for (int i = 0; i < heads.length; i++) {
            if (heads[i] >= t.heads()) {
                throw new CompressionException("head profile " + profile.source() + ": layer " + t.layer() + " names query head "
                        + heads[i] + " but the model has " + t.heads() + " query heads");
            }
            pooled[i] = pooling.apply(WindowAttention.candidateColumnSums(t, heads[i]), kernel);
        }
        return LayerScores.shared(WindowAttention.mean(pooled));
    }
}
