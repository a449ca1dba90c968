package io.github.compresskv.compress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The method presets by name (issue 4's table); the engine only ever sees the composed policy. */
public final class CompressionMethods {
    private static final Map<String, CompressionMethod> METHODS = new LinkedHashMap<>();
    /** Presets whose scores say nothing of the content (no eviction, position, random): units do not apply to them. */
    private static final java.util.Set<String> UNSCORED = java.util.Set.of("full", "streamingllm", "random");

    static {
        add("full", "no eviction", (o, b) -> CompressionPolicy.none());
        add("streamingllm", "4 sink tokens + the most recent (--streaming-first-last: first B−w + last w)",
                (o, b) -> new CompressionPolicy(o.streamingFirstLast() ? PositionScorer.firstTokens() : new PositionScorer(o.sinks()),
                        new PerHeadTopKSelector(), new UniformAllocator()));
        add("h2o", "cumulative attention of all prompt queries, top-(B−w) + window",
                (o, b) -> new CompressionPolicy(new CumulativeAttentionScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("tova", "attention of the last query, averaged over the GQA group",
                (o, b) -> new CompressionPolicy(new LastQueryScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("knorm", "keys with the smallest L2 norm",
                (o, b) -> new CompressionPolicy(new KeyNormScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("random", "random scores (seeded), a lower bound",
                (o, b) -> new CompressionPolicy(new RandomScorer(o.seed()), new PerHeadTopKSelector(), new UniformAllocator()));
        add("snapkv", "window attention, pooled, mean over each contiguous GQA group, per-KV-head top-(B−w)",
                (o, b) -> new CompressionPolicy(snap(o), new PerHeadTopKSelector(), new UniformAllocator()));
        add("pyramidkv", "SnapKV scoring + pyramid layer budgets (beta 20)",
                (o, b) -> new CompressionPolicy(snap(o), new PerHeadTopKSelector(), new PyramidAllocator(o.pyramidBeta())));
        add("adakv", "SnapKV scoring + global top-k over the layer's heads, 20% floor per head",
                (o, b) -> new CompressionPolicy(snap(o), new AdaKvSelector(o.adaFloor()), new UniformAllocator()));
        add("cake", "mean + gamma*variance token scores, entropy/variance layer preferences, cascading allocation",
                (o, b) -> new CompressionPolicy(cake(o, b), new PerHeadTopKSelector(), new CakeAllocator()));
        add("compresskv", "semantic-retrieval-head scoring, one index set per layer, error-aware layer budgets",
                (o, b) -> new CompressionPolicy(srh(o), new SharedTopKSelector(), errorAware(o)));
        add("compresskv-srh", "ablation: semantic-retrieval-head scoring with uniform budgets",
                (o, b) -> new CompressionPolicy(srh(o), new SharedTopKSelector(), new UniformAllocator()));
        add("compresskv-alloc", "ablation: SnapKV scoring with error-aware layer budgets",
                (o, b) -> new CompressionPolicy(snap(o), new PerHeadTopKSelector(), errorAware(o)));
        // its scores come from a reconstruction pass over the prefilled context (ContextReconstruction), not from a prefill
        METHODS.put("kvzip", new CompressionMethod("kvzip",
                "question-agnostic: max attention from a teacher-forced repetition of the context (KVzip), per-KV-head top-(B-w)",
                (o, b) -> new CompressionPolicy(ReconstructionScorer.UNSCORED, new PerHeadTopKSelector(), new UniformAllocator()), true, true));
    }

    private CompressionMethods() {}

    private static void add(String name, String summary, java.util.function.BiFunction<CompressionOptions, Budget, CompressionPolicy> f) {
        METHODS.put(name, new CompressionMethod(name, summary, f, !UNSCORED.contains(name)));
    }


    /** The preset named {@code name} (case-insensitive); an unknown name lists the valid ones. */
    public static CompressionMethod byName(String name) {
        CompressionMethod m = name == null ? null : METHODS.get(name.toLowerCase(java.util.Locale.ROOT));
        if (m == null) throw new CompressionException("unknown --method '" + name + "'; valid: " + String.join(", ", names()));
        return m;
    }

    public static List<String> names() { return List.copyOf(METHODS.keySet()); }

    public static List<CompressionMethod> all() { return List.copyOf(METHODS.values()); }

    private static Scorer snap(CompressionOptions o) { return new WindowAttentionScorer(o.pooling(), o.poolKernel()); }

    private static Scorer cake(CompressionOptions o, Budget b) {
        boolean large = !b.isRatio() && b.perLayer(0, 0) >= 512;
        double tau1 = Double.isNaN(o.cakeTau1()) ? 1.6 : o.cakeTau1();
        double tau2 = Double.isNaN(o.cakeTau2()) ? (large ? 0.4 : 0.6) : o.cakeTau2();
        return new CakeScorer(o.cakeGamma(), tau1, tau2, o.pooling(), o.poolKernel());
    }

    private static Scorer srh(CompressionOptions o) {
        Path p = o.headProfile();
        if (p == null) {
            throw new CompressionException("compresskv needs a semantic retrieval head profile: pass --head-profile FILE "
                    + "(make one with `" + HeadProfile.PRODUCER + "`)");
        }
        return new SemanticRetrievalHeadScorer(HeadProfile.load(p), o.retrievalHeads(), o.pooling(), o.poolKernel());
    }

    private static Allocator errorAware(CompressionOptions o) {
        Path p = o.layerProfile();
        if (p == null) {
            throw new CompressionException("compresskv needs a layer error profile: pass --layer-profile FILE "
                    + "(make one with `" + LayerProfile.PRODUCER + "`)");
        }
        return new ErrorAwareAllocator(LayerProfile.load(p));
    }
}
