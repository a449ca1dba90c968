package io.github.compresskv.api;

import io.github.compresskv.compress.AttentionPooling;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethod;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.CompressionSpec;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.compress.SelectionUnit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How a prompt's KV cache is compressed: a method by name ({@link #methods()} lists them), a budget (tokens kept per
 * KV head per layer, observation window included) or a ratio (fraction of the prompt removed), and the method's
 * settings. Immutable; every setter returns a copy. The defaults are the command line's.
 *
 * <pre>{@code
 * Compression.method("compresskv").budget(128)
 * Compression.method("snapkv").ratio(0.9).unit("sentence")
 * Compression.method("kvzip").budget(64)        // question-agnostic: scores by reconstructing the context
 * }</pre>
 *
 * <p>{@code compresskv} reads a semantic-retrieval-head profile and a layer error profile; unless given they are
 * taken from beside the model ({@code NAME.heads.json}, {@code NAME.layers.json} next to {@code NAME.gguf}), as the
 * embedded model ships them. Settings are checked when the compression runs; a bad one throws with a message
 * naming it.
 */
public final class Compression {
    // changed only on fresh copies (see with), so an instance never changes once returned
    private String method;
    private Integer budget;
    private Double ratio;
    private int window;
    private int pool;
    private String unit = "token";
    private int chunkSize = SelectionUnit.DEFAULT_CHUNK;
    private int sentenceCap = SelectionUnit.DEFAULT_SENTENCE_CAP;
    private String unitScore = "sum";
    private Path headProfile;
    private Path layerProfile;
    private boolean streaming;
    private int sinkTokens;

    private Compression(String method, int window, int pool) {
        this.method = method;
        this.window = window;
        this.pool = pool;
    }

    /** A copy of this with {@code edit} applied to the copy. */
    private Compression with(Consumer<Compression> edit) {
        Compression c = new Compression(method, window, pool);
        c.budget = budget;
        c.ratio = ratio;
        c.unit = unit;
        c.chunkSize = chunkSize;
        c.sentenceCap = sentenceCap;
        c.unitScore = unitScore;
        c.headProfile = headProfile;
        c.layerProfile = layerProfile;
        c.streaming = streaming;
        c.sinkTokens = sinkTokens;
        edit.accept(c);
        return c;
    }

    /** The method named {@code name} (case-insensitive); an unknown name fails at once, listing the valid ones. */
    public static Compression method(String name) {
        CompressionMethod m = CompressionMethods.byName(name);
        CompressionOptions d = CompressionOptions.defaults();
        return new Compression(m.name(), d.window(), d.part(AttentionPooling.class).kernel());
    }

    /** No compression: the full cache. */
    public static Compression none() { return method("full"); }

    /** The methods by name, each with a one-line description. */
    public static Map<String, String> methods() {
        Map<String, String> out = new LinkedHashMap<>();
        for (CompressionMethod m : CompressionMethods.all()) out.put(m.name(), m.summary());
        return out;
    }

    /** B prompt tokens kept per KV head per layer, the observation window included (replaces a ratio). */
    public Compression budget(int tokens) {
        return with(c -> {
            c.budget = tokens;
            c.ratio = null;
        });
    }

    /** The fraction of the prompt's rows removed, in [0, 1): 0.9 keeps 10 % (replaces a budget). */
    public Compression ratio(double removed) {
        return with(c -> {
            c.budget = null;
            c.ratio = removed;
        });
    }

    /** Observation window: the last prompt tokens, always kept, whose attention scores the rest (default 8). */
    public Compression window(int tokens) { return with(c -> c.window = tokens); }

    /** Average-pooling kernel of attention scores, odd (default 5; 1 = none). */
    public Compression pool(int kernel) { return with(c -> c.pool = kernel); }

    /**
     * What the selection keeps: {@code token} (default), {@code chunk} (fixed windows of {@link #chunkSize} tokens)
     * or {@code sentence} (sentences and lines, split past {@link #sentenceCap} tokens), or a label such as
     * {@code chunk16}.
     */
    public Compression unit(String unit) { return with(c -> c.unit = unit); }

    /** Tokens per chunk unit (default 10). */
    public Compression chunkSize(int tokens) { return with(c -> c.chunkSize = tokens); }

    /** Sentences longer than this are split into near-equal pieces (default 48). */
    public Compression sentenceCap(int tokens) { return with(c -> c.sentenceCap = tokens); }

    /** How a unit's score is made from its tokens' scores: {@code sum} (default) or {@code mean}. */
    public Compression unitScore(String aggregation) { return with(c -> c.unitScore = aggregation); }

    /**
     * Always keep the sequence's first {@code tokens} positions (attention sinks) in every KV head, within the budget;
     * for methods that score content (default 0: none).
     */
    public Compression sinkTokens(int tokens) { return with(c -> c.sinkTokens = tokens); }

    /** The semantic-retrieval-head profile (compresskv); default: beside the model. */
    public Compression headProfile(Path file) { return with(c -> c.headProfile = file); }

    /** The layer eviction-error profile (compresskv); default: beside the model. */
    public Compression layerProfile(Path file) { return with(c -> c.layerProfile = file); }

    /** Compress each layer as soon as its prefill is done: a lower peak, the same kept rows for most methods. */
    public Compression streaming(boolean on) { return with(c -> c.streaming = on); }

    public String methodName() { return method; }

    /** The budget in tokens, or null when a ratio (or nothing) is set. */
    public Integer budgetTokens() { return budget; }

    /** The ratio removed, or null when a budget (or nothing) is set. */
    public Double ratioRemoved() { return ratio; }

    /** Whether this compresses a prompt at all (a method other than {@code full}, with a budget or ratio). */
    public boolean compresses() { return !method.equals("full") && (budget != null || ratio != null); }

    /** The engine's form, profiles defaulting to the files beside {@code modelPath}; checks every setting. */
    CompressionSpec spec(Path modelPath) {
        boolean full = method.equals("full");
        if (!full && budget == null && ratio == null) {
            throw new IllegalArgumentException("compression method " + method + " needs a budget(B) or a ratio(R)");
        }
        Budget b = budget != null ? Budget.tokens(budget) : ratio != null ? Budget.ratio(ratio) : null;
        CompressionOptions o = CompressionOptions.defaults().withWindow(window).withPool(pool, Pooling.AVG).withStreaming(streaming)
                .withProfiles(headProfile, layerProfile).withUnit(SelectionUnit.of(unit, chunkSize, sentenceCap, unitScore))
                .withSinkTokens(sinkTokens);
        if (modelPath != null) o = o.withProfilesBeside(modelPath);
        return new CompressionSpec(CompressionMethods.byName(method), b, o).check();
    }

    @Override
    public String toString() {
        return "Compression[" + method + (budget != null ? ", budget " + budget : "") + (ratio != null ? ", ratio " + ratio : "")
                + ", window " + window + ", pool " + pool + ", unit " + unit + (sinkTokens > 0 ? ", sink tokens " + sinkTokens : "") + (streaming ? ", streaming" : "") + "]";
    }
}
