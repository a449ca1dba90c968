package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.PostPrefillCompression;
import io.github.compresskv.model.PrefillObserver;

import java.util.Arrays;

/**
 * Compresses the KV cache of one prefill with a {@link CompressionPolicy}: plugged into the layer-major prefill as
 * its {@link PrefillObserver}, it scores every layer when the layer is done. In streaming mode the layer is evicted
 * at once ({@link KvCache#retain}); otherwise the scores are kept and {@link #finish} evicts all layers. A
 * preference-driven allocator (CAKE) cascades: after each layer the budgets of the layers done so far are
 * recomputed and those layers are re-evicted from their stored scores (only ever removing rows).
 *
 * <p>When the prompt fits the nominal budget (N ≤ B) nothing is evicted in any layer, whatever the allocator would
 * shift between layers (the total L·B holds the whole prompt); otherwise a layer whose own budget B_l ≥ N keeps all its rows.
 *
 * <p>Appended prefills (promptStart &gt; 0): only this prefill's rows (the last promptLength rows of every head)
 * are candidates; the rows already in the cache are kept as they are, and budgets count this prefill's rows only.
 * One compressor serves one prefill.
 *
 * <p>Units ({@link CompressionOptions#unit()}): candidates are grouped by their absolute positions, chunks counted from
 * the prompt's first position, sentences read from the prompt's tokens given with {@link #sentences}.
 *
 * <p>Its second half runs through {@code Session.compress} ({@link #afterPrefill}), which leaves the outcome in
 * {@link #report()}; {@link #finish} is the same step on a bare cache.
 */
public final class KvCompressor implements PrefillObserver, PostPrefillCompression {
    private final String name;
    private final CompressionPolicy policy;
    private final Budget budget;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final CompressionOptions options;

    private int promptLength = -1;
    private int window;
    private int nominal;
    private int[] budgets;
    private final LayerScores[] scores;
    private final int[][] bases;
    /** Current kept prompt-relative indices per [layer][kvHead]; null = all prompt rows still there. */
    private final int[][][] kept;
    private final CandidateUnits[] units;
    private SentenceEnds sentenceEnds;
    private int unitOrigin = -1;
    private long bytesBefore;
    private long peakBytes;
    private long scoringNanos;
    private long selectingNanos;
    private CompressionReport report;

    public KvCompressor(String name, CompressionPolicy policy, Budget budget, ModelConfig config, CompressionOptions options) {
        this.name = name;
        this.policy = policy;
        this.budget = budget;
        this.layers = config.layers();
        this.heads = config.heads();
        this.kvHeads = config.kvHeads();
        this.options = options;
        this.scores = new LayerScores[layers];
        this.bases = new int[layers][];
        this.kept = new int[layers][][];
        this.units = new CandidateUnits[layers];
        if (policy.evicts()) budget.requireAtLeastWindow(options.window());
    }

    /** The compressor of a named preset (reads the profiles it needs now). */
    public static KvCompressor create(CompressionMethod method, Budget budget, ModelConfig config, CompressionOptions options) {
        requireUnitApplies(method, options.unit());
        requireSinksApply(method, options.sinkTokens());
        return new KvCompressor(CompressionSpec.label(method, options), method.policy(options, budget), budget, config, options);
    }

    /** Fails when {@code unit} is not tokens and the method's scores do not rate content (full, streamingllm, random). */
    public static void requireUnitApplies(CompressionMethod method, SelectionUnit unit) {
        if (!unit.isToken() && !method.scoresContent()) {
            throw new CompressionException("--unit " + unit.kind().name().toLowerCase(java.util.Locale.ROOT) + " needs a method that scores what the rows hold;"
                    + " " + method.name() + " " + (method.name().equals("full") ? "evicts nothing" : "ranks rows by position or at random") + " (use --unit token)");
        }
    }

    /** Fails when sinks are asked of a method whose scores do not rate content (full, streamingllm, random). */
    public static void requireSinksApply(CompressionMethod method, int sinks) {
        if (sinks > 0 && !method.scoresContent()) {
            throw new CompressionException("--sink-tokens applies to methods that score what the rows hold; " + method.name() + " "
                    + (method.name().equals("full") ? "evicts nothing" : "ranks rows by position or at random") + " (use --sink-tokens 0)");
        }
    }

    /**
     * The tokens of this prefill, for sentence units: index 0 is the prefill's first token (or, with {@link #unitOrigin},
     * that position). Returns this.
     */
    public KvCompressor sentences(SentenceEnds ends) {
        this.sentenceEnds = ends;
        return this;
    }

    /** Hands over the prompt's tokens when the unit needs them (sentences); other units need none. Returns this. */
    public KvCompressor prompt(io.github.compresskv.tokenizer.Tokenizer tokenizer, int[] tokens) {
        return options.unit().kind() == SelectionUnit.Kind.SENTENCE ? sentences(SentenceEnds.of(tokenizer, tokens)) : this;
    }

    /** Counts chunks (and indexes the sentence ends) from this absolute position instead of the prompt's start. Returns this. */
    public KvCompressor unitOrigin(int position) {
        if (position < 0) throw new IllegalArgumentException("unit origin " + position);
        this.unitOrigin = position;
        return this;
    }

    /** The unit this compressor selects. */
    public SelectionUnit unit() { return options.unit(); }

    @Override
    public int observationWindow() { return policy.evicts() ? options.window() : 0; }

    @Override
    public boolean promptStatesInFile() { return options.promptStatesInFile(); }

    @Override
    public boolean wantsCumulativeAttention() { return policy.evicts() && policy.scorer().needsCumulativeAttention(); }

    @Override
    public void layerDone(int layer, KvCache cache, int promptStart, int promptLength, float[] windowQueries, float[] cumulativeAttention) {
        if (cache.kvHeads() != kvHeads || cache.layers() != layers) {
            throw new IllegalArgumentException("cache shape " + cache.layers() + "×" + cache.kvHeads() + " differs from the model's " + layers + "×" + kvHeads);
        }
        if (this.promptLength < 0) start(promptLength);
        else if (promptLength != this.promptLength) throw new IllegalStateException("layer " + layer + " reports " + promptLength + " prompt tokens, earlier layers " + this.promptLength);
        long now = cache.bytes();
        peakBytes = Math.max(peakBytes, now);
        for (int g = 0; g < kvHeads; g++) bytesBefore += cache.head(layer, g).sealedBytes(); // a quantized cache: as codes
        if (!evicting()) return;

        bases[layer] = new int[kvHeads];
        for (int g = 0; g < kvHeads; g++) bases[layer][g] = cache.rows(layer, g) - promptLength;
        if (budgets != null && promptLength <= budgets[layer]) return; // short prompt: this layer keeps everything

        long t0 = System.nanoTime();
        scores[layer] = policy.scorer().score(new LayerTaps(layer, cache, heads, promptLength, window, windowQueries, cumulativeAttention));
        units[layer] = CandidateUnits.of(options.unit(), cache, layer, bases[layer], promptLength - window,
                unitOrigin >= 0 ? unitOrigin : promptStart, sentenceEnds);
        SinkTokens sinks = options.part(SinkTokens.class);
        if (sinks.count() > 0) {
            SinkTokens.Forced f = sinks.apply(scores[layer], units[layer], cache, layer, bases[layer]);
            scores[layer] = f.scores();
            units[layer] = f.units();
        }
        scoringNanos += System.nanoTime() - t0;

        if (!options.streaming()) return;
        if (policy.allocator().usesLayerPreferences()) {
            int[] b = allocatePreferences(layer + 1);
            for (int l = 0; l <= layer; l++) evict(cache, l, b[l]);
            budgets = b;
        } else {
            evict(cache, layer, budgets[layer]);
            scores[layer] = null;
            units[layer] = null;
        }
    }

    /** Whether this prefill is compressed at all: not when the whole prompt fits the nominal budget (N ≤ B). */
    private boolean evicting() { return policy.evicts() && promptLength > window && promptLength > nominal; }

    private void start(int n) {
        promptLength = n;
        window = Math.min(options.window(), n);
        nominal = budget.perLayer(n, window);
        if (!policy.allocator().usesLayerPreferences()) {
            budgets = policy.allocator().allocate(AllocationRequest.of(layers, nominal, n, window));
        }
    }

    private int[] allocatePreferences(int known) {
        double[] pref = new double[known];
        for (int l = 0; l < known; l++) pref[l] = scores[l] == null ? 0 : scores[l].preference();
        return policy.allocator().allocate(new AllocationRequest(layers, nominal, promptLength, window, pref, known));
    }

    /** Evicts layer {@code l} down to {@code layerBudget} per KV head, from its stored scores; never adds rows back. */
    private void evict(KvCache cache, int l, int layerBudget) {
        LayerScores s = scores[l];
        if (s == null || promptLength <= layerBudget) return;
        long t0 = System.nanoTime();
        int[][] current = kept[l];
        int[][] sel = null;
        if (current != null) {
            int most = 0;
            for (int[] k : current) most = Math.max(most, k.length);
            if (most <= layerBudget) { selectingNanos += System.nanoTime() - t0; return; }
            // with units, select from the full scores as a one-shot compression would (nested for the per-head and shared
            // selectors); mask the evicted rows only when that needs a row already gone (Ada-KV's global fill can)
            if (!units[l].isToken()) {
                sel = policy.selector().select(s, units[l], layerBudget, promptLength, window, kvHeads);
                if (!subset(sel, current)) sel = null;
            }
            if (sel == null) sel = policy.selector().select(masked(s, current), units[l], layerBudget, promptLength, window, kvHeads);
        } else {
            sel = policy.selector().select(s, units[l], layerBudget, promptLength, window, kvHeads);
        }
        if (sel != null) {
            for (int g = 0; g < kvHeads; g++) cache.retain(l, g, rows(bases[l][g], sel[g], current == null ? null : current[g]));
            kept[l] = sel;
        }
        selectingNanos += System.nanoTime() - t0;
    }

    private static boolean subset(int[][] sel, int[][] current) {
        if (sel == null) return false;
        for (int g = 0; g < sel.length; g++) for (int j : sel[g]) if (Arrays.binarySearch(current[g], j) < 0) return false;
        return true;
    }

    /** Scores with the already evicted candidates at −∞ (so a re-eviction only picks rows still present). */
    private LayerScores masked(LayerScores s, int[][] current) {
        float[][] out = new float[kvHeads][];
        for (int g = 0; g < kvHeads; g++) {
            float[] row = new float[s.candidates()];
            Arrays.fill(row, Float.NEGATIVE_INFINITY);
            float[] src = s.forHead(g);
            for (int j : current[g]) if (j < row.length) row[j] = src[j];
            out[g] = row;
        }
        return new LayerScores(out, s.preference());
    }

    /** Cache rows of the head: all rows before the prompt, then the selected prompt rows (mapped through earlier evictions). */
    private static int[] rows(int base, int[] selected, int[] current) {
        int[] out = new int[base + selected.length];
        for (int r = 0; r < base; r++) out[r] = r;
        for (int i = 0; i < selected.length; i++) {
            int at = current == null ? selected[i] : Arrays.binarySearch(current, selected[i]);
            if (at < 0) throw new IllegalStateException("re-eviction selected prompt token " + selected[i] + " that was already evicted");
            out[base + i] = base + at;
        }
        return out;
    }

    /** {@link #finish} as the post-prefill step of a session; the outcome is then in {@link #report()}. */
    @Override
    public void afterPrefill(KvCache cache) { finish(cache); }

    /** What {@link #finish} did; fails before it ran. */
    public CompressionReport report() {
        if (report == null) throw new IllegalStateException("the compression has not finished yet (Session.compress runs it)");
        return report;
    }

    /** Evicts whatever is still pending (all layers unless streaming) and reports. Call once after the prefill. */
    public CompressionReport finish(KvCache cache) {
        if (promptLength >= 0 && evicting() && !options.streaming()) {
            if (policy.allocator().usesLayerPreferences()) budgets = allocatePreferences(layers);
            for (int l = 0; l < layers; l++) evict(cache, l, budgets[l]);
        }
        Arrays.fill(scores, null);
        Arrays.fill(units, null);
        cache.seal(); // a quantized cache: the kept rows become codes now that nothing scores them any more
        int[][] rows = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) for (int g = 0; g < kvHeads; g++) rows[l][g] = cache.rows(l, g);
        report = new CompressionReport(name, Math.max(promptLength, 0), bytesBefore, cache.bytes(), Math.max(peakBytes, cache.bytes()),
                budgets == null ? new int[0] : budgets.clone(), rows, scoringNanos, selectingNanos);
        return report;
    }
}
