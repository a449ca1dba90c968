package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.model.DecodeObserver;
import io.github.compresskv.model.DecodeTap;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.tokenizer.Tokenizer;

/**
 * Keeps the cache bounded during long generations: it records the queries of the most recent decode steps
 * (as a {@link DecodeTap}) and every {@code interval} steps re-scores each layer with the method's scorer and
 * selector, the recent decode tokens playing the observation window, evicting down to {@code target} rows per
 * KV head. Budgets are uniform over layers at decode time (a layer allocation is a prefill decision). Methods
 * that need the cumulative attention of all queries (h2o) cannot re-score this way. Units work as at prefill, chunks
 * counted from position 0; sentence units read the consumed tokens (the session reports them), so the observer needs
 * the tokenizer then, and forks that decode in turn share one sentence index, which follows the latest fork.
 */
public final class DecodeTimeCompressor implements DecodeObserver, DecodeTap {
    private final String name;
    private final CompressionPolicy policy;
    private final CompressionOptions options;
    private final ModelConfig config;
    private final int target;
    private final int interval;
    private final int window;
    /** [layer][slot][heads·headDim]: ring of the last {@code window} decode queries per layer. */
    private final float[][][] recent;
    private final int[] recorded;
    private long evictions;
    private final SentenceEnds sentenceEnds;
    private int firstPosition = -1;

    public DecodeTimeCompressor(CompressionMethod method, int target, int interval, ModelConfig config, CompressionOptions options) {
        this(method, target, interval, config, options, null);
    }

    /** With the tokenizer that sentence units need to read the consumed tokens (may be null for other units). */
    public DecodeTimeCompressor(CompressionMethod method, int target, int interval, ModelConfig config, CompressionOptions options,
                                Tokenizer tokenizer) {
        if (interval < 1) throw new CompressionException("--decode-interval must be at least 1, got " + interval);
        if (target <= options.window()) {
            throw new CompressionException("--decode-budget " + target + " must exceed the observation window (--window " + options.window() + ")");
        }
        KvCompressor.requireUnitApplies(method, options.unit());
        KvCompressor.requireSinksApply(method, options.sinkTokens());
        CompressionPolicy p = method.policy(options, Budget.tokens(target));
        if (!p.evicts()) {
            throw new CompressionException("method '" + method.name() + "' does not evict; choose another for decode-time compression");
        }
        if (p.scorer().needsCumulativeAttention()) {
            throw new CompressionException("method '" + method.name() + "' needs the attention of every query and cannot re-score during decoding");
        }
        this.name = method.name() + " (decode)";
        this.policy = new CompressionPolicy(p.scorer(), p.selector(), new UniformAllocator());
        this.options = options.withStreaming(true);
        this.config = config;
        this.target = target;
        this.interval = interval;
        this.window = options.window();
        this.recent = new float[config.layers()][window][config.heads() * config.headDim()];
        this.recorded = new int[config.layers()];
        if (options.unit().kind() == SelectionUnit.Kind.SENTENCE && tokenizer == null) {
            throw new CompressionException("--unit sentence with --decode-budget needs the model's tokenizer to find sentences");
        }
        this.sentenceEnds = options.unit().kind() == SelectionUnit.Kind.SENTENCE ? new SentenceEnds(tokenizer) : null;
    }

    @Override
    public void token(int position, int token) {
        if (sentenceEnds == null) return;
        if (firstPosition < 0) firstPosition = position;
        int i = position - firstPosition;
        if (i >= 0 && i <= sentenceEnds.size()) sentenceEnds.set(i, token);
    }

    @Override
    public int interval() { return interval; }

    /** Evictions done so far (one per layer and re-scoring that removed rows). */
    public long evictions() { return evictions; }

    @Override
    public void layer(int layer, KvCache cache, float[] query, float[] attentionOutput) {
        int n = config.heads() * config.headDim();
        System.arraycopy(query, 0, recent[layer][recorded[layer] % window], 0, n);
        recorded[layer]++;
    }

    @Override
    public void afterDecodeSteps(KvCache cache) {
        for (int l = 0; l < config.layers(); l++) {
            int rows = Integer.MAX_VALUE;
            for (int g = 0; g < cache.kvHeads(); g++) rows = Math.min(rows, cache.rows(l, g));
            int w = Math.min(window, Math.min(recorded[l], rows));
            if (rows <= target || w == 0) continue;
            // every KV head's last w rows are the last w decode tokens, whose queries were recorded
            KvCompressor c = new KvCompressor(name, policy, Budget.tokens(target), config, options.withWindow(w))
                    .sentences(sentenceEnds).unitOrigin(Math.max(firstPosition, 0));
            long before = cache.totalRows();
            c.layerDone(l, cache, cache.nextPosition() - rows, rows, windowQueries(l, w), null);
            if (cache.totalRows() < before) evictions++;
        }
    }

    /** The last w recorded queries of layer l as [heads][w][headDim], oldest first. */
    private float[] windowQueries(int l, int w) {
        int heads = config.heads(), d = config.headDim();
        float[] out = new float[heads * w * d];
        for (int i = 0; i < w; i++) {
            float[] q = recent[l][(recorded[l] - w + i) % window];
            for (int h = 0; h < heads; h++) System.arraycopy(q, h * d, out, (h * w + i) * d, d);
        }
        return out;
    }
}
