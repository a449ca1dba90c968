package io.github.compresskv.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The method presets by name, the one place that knows them (docs/compression.md has the table); the engine only
 * ever sees the composed policy.
 */
public final class CompressionMethods {
    private static final Map<String, CompressionMethod> METHODS = new LinkedHashMap<>();
    /** Presets whose scores say nothing of the content (no eviction, position, random): units do not apply to them. */
    private static final java.util.Set<String> UNSCORED = java.util.Set.of("full", "streamingllm", "random");

    static {
        add("full", "no eviction", (o, b) -> CompressionPolicy.none());
        add("streamingllm", "4 sink tokens + the most recent (--streaming-first-last: first B−w + last w)",
                (o, b) -> new CompressionPolicy(o.part(PositionScorer.Settings.class).scorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("h2o", "cumulative attention of all prompt queries, top-(B−w) + window",
                (o, b) -> new CompressionPolicy(new CumulativeAttentionScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("tova", "attention of the last query, averaged over the GQA group",
                (o, b) -> new CompressionPolicy(new LastQueryScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("knorm", "keys with the smallest L2 norm",
                (o, b) -> new CompressionPolicy(new KeyNormScorer(), new PerHeadTopKSelector(), new UniformAllocator()));
        add("random", "random scores (seeded), a lower bound",
                (o, b) -> new CompressionPolicy(new RandomScorer(o.part(RandomScorer.Settings.class).seed()), new PerHeadTopKSelector(), new UniformAllocator()));
        add("snapkv", "window attention, pooled, mean over each contiguous GQA group, per-KV-head top-(B−w)",
                (o, b) -> new CompressionPolicy(snap(o), new PerHeadTopKSelector(), new UniformAllocator()));
        add("pyramidkv", "SnapKV scoring + pyramid layer budgets (beta 20)",
                (o, b) -> new CompressionPolicy(snap(o), new PerHeadTopKSelector(), new PyramidAllocator(o.part(PyramidAllocator.Settings.class).beta())));
        add("adakv", "SnapKV scoring + global top-k over the layer's heads, 20% floor per head",
                (o, b) -> new CompressionPolicy(snap(o), new AdaKvSelector(o.part(AdaKvSelector.Settings.class).floor()), new UniformAllocator()));
        add("cake", "mean + gamma*variance token scores, entropy/variance layer preferences, cascading allocation",
                (o, b) -> new CompressionPolicy(o.part(CakeScorer.Settings.class).scorer(b, o.part(AttentionPooling.class)), new PerHeadTopKSelector(),
                        new CakeAllocator()));
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

    /** The name of no compression (the full cache), the default wherever a method is chosen. */
    public static final String NONE = "full";

    /** Presets that read CompressKV's head or layer profile. */
    private static final java.util.Set<String> PROFILED = java.util.Set.of("compresskv", "compresskv-srh", "compresskv-alloc");

    /** The methods the demo compares: the full cache, a positional baseline, two attention baselines and CompressKV. */
    public static final List<String> DEMO = List.of(NONE, "streamingllm", "snapkv", "pyramidkv", "compresskv");

    /** The methods an evaluation runs when none are named, comma-separated (a constant, for flag defaults). */
    public static final String EVAL_DEFAULTS = NONE + ",snapkv,pyramidkv,adakv,cake,streamingllm,compresskv";

    /** Whether the method named {@code name} reads a head or layer profile (CompressKV and its ablations). */
    public static boolean readsProfiles(String name) { return PROFILED.contains(byName(name).name()); }

    /** Whether {@code name} means no compression. */
    public static boolean isNone(String name) { return NONE.equalsIgnoreCase(name == null ? "" : name.strip()); }

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

    private static Scorer snap(CompressionOptions o) { return new WindowAttentionScorer(o.part(AttentionPooling.class)); }

    private static Scorer srh(CompressionOptions o) {
        return o.part(SemanticRetrievalHeadScorer.Settings.class).scorer(o.part(AttentionPooling.class));
    }

    private static Allocator errorAware(CompressionOptions o) { return o.part(ErrorAwareAllocator.Settings.class).allocator(); }
}
