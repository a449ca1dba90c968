package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.WeightMatrix;

/**
 * The forward pass of one sequence at a time: batched prefill of many tokens (matrix-matrix, in chunks of at
 * most {@link #chunkSize()} tokens so scratch memory stays bounded) and single-token decode (matrix-vector),
 * both writing the new tokens' post-RoPE keys and values into a {@link KvCache}.
 *
 * <p>Positions come from the cache: the tokens take positions {@code cache.nextPosition()} onwards.
 * Activations are F32. All scratch buffers and parallel loop bodies are allocated once here, so a decode step
 * allocates nothing once the cache has room (see DecodeAllocationTest). Not thread-safe: one instance per
 * concurrently running sequence.
 */
public final class Transformer {
    /** Prompt tokens per prefill chunk: a multiple of the matmul micro-kernel's 6 tokens (and about 256). */
    public static final int DEFAULT_CHUNK = 264;

    private final ModelConfig c;
    private final ModelWeights w;
    private final Parallel pool;
    private final RotaryEmbedding rope;
    private final Attention attention;
    private final FeedForward feedForward = new FeedForward();
    private final NormBody norm = new NormBody();
    private final RopeBody ropeBody = new RopeBody();
    private final int chunk;

    private final float[] x, xn, q, k, v, att, proj, gate, up, cos, sin, logits;
    /** Decode's fused q/k/v projection: the layer's matrices (set per layer) and the outputs. */
    private final WeightMatrix[] qkv = new WeightMatrix[3];
    private final float[][] qkvOut;
    private final int[] positions;

    public Transformer(Model model) { this(model, DEFAULT_CHUNK); }

    public Transformer(Model model, int chunkSize) {
        this(model.config(), model.weights(), model.parallel(), chunkSize);
    }

    public Transformer(ModelConfig config, ModelWeights weights, Parallel pool, int chunkSize) {
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be >= 1, got " + chunkSize);
        this.c = config;
        this.w = weights;
        this.pool = pool;
        this.rope = config.rope();
        this.attention = new Attention(config);
        this.chunk = chunkSize;
        int n = chunkSize;
        x = new float[n * c.dim()];
        xn = new float[n * c.dim()];
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        proj = new float[n * c.dim()];
        gate = new float[n * c.ffnDim()];
        up = new float[n * c.ffnDim()];
        cos = new float[n * c.headDim() / 2];
        sin = new float[n * c.headDim() / 2];
        positions = new int[n];
        logits = new float[c.vocab()];
        qkvOut = new float[][] {q, k, v};
    }

    public ModelConfig config() { return c; }

    public int chunkSize() { return chunk; }

    /**
     * Runs {@code tokens} through the model after what {@code cache} holds and returns the logits of the last
     * token (this instance's buffer: valid until the next call).
     */
    public float[] prefill(KvCache cache, int[] tokens) {
        run(cache, tokens, null);
        return logits;
    }

    /**
     * Like {@link #prefill}, reporting compression taps to {@code observer} (see {@link PrefillObserver}): the
     * prompt runs layer-major and {@code observer.layerDone} is called once per layer, in order, as soon as
     * that layer has consumed the whole prompt. The observer may shrink the finished layer's cache at once
     * (streaming compression); this prefill's outputs do not change, since later layers read only their own
     * caches. With a null observer this is {@link #prefill(KvCache, int[])} (chunk-major, the fast path).
     * Results with an observer that changes nothing equal the plain prefill bit for bit.
     */
    public float[] prefill(KvCache cache, int[] tokens, PrefillObserver observer) {
        if (observer == null) return prefill(cache, tokens);
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to run");
        checkRoom(cache, tokens.length);
        checkMemory(cache, tokens.length, 1); // layer-major: one layer's new rows exist uncompressed at a time
        for (int t : tokens) checkToken(t);
        runLayerMajor(cache, tokens, observer);
        return logits;
    }

    /**
     * Like {@link #prefill} but returns the logits of every token: a new array of tokens.length × vocab
     * (row-major). Meant for tests and evaluation of short sequences.
     */
    public float[] prefillAllLogits(KvCache cache, int[] tokens) {
        float[] all = new float[Math.multiplyExact(tokens.length, c.vocab())];
        run(cache, tokens, all);
        return all;
    }

    /** One decode step: the logits after {@code token} (this instance's buffer: valid until the next call). */
    public float[] decode(KvCache cache, int token) {
        return decode(cache, token, null);
    }

    /** One decode step that also shows every layer's query and attention output to {@code tap} (profilers). */
    public float[] decode(KvCache cache, int token, DecodeTap tap) {
        checkRoom(cache, 1);
        checkToken(token);
        cache.seal(); // a quantized cache decodes from codes; rows a prefill staged are quantized now (no-op after)
        positions[0] = cache.nextPosition();
        w.tokenEmbedding().dequantizeRow(token, x, 0);
        forwardChunk(cache, 1, tap);
        logitsOf(0, logits);
        return logits;
    }

    private void run(KvCache cache, int[] tokens, float[] allLogits) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to run");
        checkRoom(cache, tokens.length);
        checkMemory(cache, tokens.length, c.layers());
        for (int t : tokens) checkToken(t);
        float[] chunkLogits = allLogits == null ? null : new float[Math.min(chunk, tokens.length) * c.vocab()];
        cache.stage(); // a quantized cache: rows wait in half precision for a compression's scores; decode (or finish) seals
        // room for the whole prompt at once: grown chunk by chunk, the arrays end up to half unused, and each growth
        // leaves the old arrays as garbage that the heap has to hold until it is collected
        cache.reserveRows(tokens.length);
        for (int from = 0; from < tokens.length; from += chunk) {
            int n = Math.min(chunk, tokens.length - from);
            int p0 = cache.nextPosition();
            for (int t = 0; t < n; t++) {
                positions[t] = p0 + t;
                w.tokenEmbedding().dequantizeRow(tokens[from + t], x, t * c.dim());
            }
            forwardChunk(cache, n, null);
            if (allLogits != null) {
                normalizeRows(x, n, w.outputNorm(), xn);
                Projections.apply(w.output(), xn, n, chunkLogits, pool);
                System.arraycopy(chunkLogits, 0, allLogits, from * c.vocab(), n * c.vocab());
            } else if (from + n == tokens.length) {
                logitsOf(n - 1, logits);
            }
        }
    }

    /** Logits of row t of x into out. */
    private void logitsOf(int t, float[] out) {
        RmsNorm.apply(x, t * c.dim(), w.outputNorm(), c.rmsEps(), xn, 0, c.dim());
        w.output().matvec(xn, out, 0, pool);
    }

    /** Runs all layers over x[0 .. n) (embeddings in, final hidden states out), appending n rows per KV head. */
    private void forwardChunk(KvCache cache, int n, DecodeTap tap) {
        int half = c.headDim() / 2;
        for (int t = 0; t < n; t++) rope.angles(positions[t], cos, sin, t * half);
        for (int l = 0; l < c.layers(); l++) forwardLayer(cache, l, n, null, tap);
        cache.advance(n);
    }

    /**
     * Runs layer l over x[0 .. n) in place (tokens at positions[0 .. n), their RoPE tables in cos/sin), appending
     * their rows to layer l's cache. {@code taps} (null on the plain paths) receives the window queries and the
     * cumulative attention of this chunk.
     */
    private void forwardLayer(KvCache cache, int l, int n, LayerTaps taps, DecodeTap tap) {
        LayerWeights lw = w.layers()[l];
        normalizeRows(x, n, lw.attnNorm(), xn);
        if (n == 1) {
            // decode: q, k and v as one parallel loop (same input)
            qkv[0] = lw.wq();
            qkv[1] = lw.wk();
            qkv[2] = lw.wv();
            WeightMatrix.matvecs(qkv, xn, qkvOut, pool);
        } else {
            Projections.apply(lw.wq(), xn, n, q, pool);
            Projections.apply(lw.wk(), xn, n, k, pool);
            Projections.apply(lw.wv(), xn, n, v, pool);
        }
        Projections.addBias(q, n, lw.bq());
        Projections.addBias(k, n, lw.bk());
        Projections.addBias(v, n, lw.bv());
        positionHeads(lw, n);
        for (int h = 0; h < c.kvHeads(); h++) {
            // no reserve here: a prompt reserved its rows before its first chunk, and appends grow geometrically
            for (int t = 0; t < n; t++) {
                int off = t * c.kvDim() + h * c.headDim();
                cache.append(l, h, k, off, v, off, positions[t]);
            }
        }
        if (taps == null) {
            attention.apply(cache, l, q, positions, n, att, pool);
        } else {
            taps.recordWindowQueries(q, n);
            if (taps.cumulative != null) attention.apply(cache, l, q, positions, n, att, pool, taps.cumulative, taps.stride);
            else attention.apply(cache, l, q, positions, n, att, pool);
        }
        if (tap != null) tap.layer(l, cache, q, att);
        Projections.apply(lw.wo(), att, n, proj, pool);
        addInPlace(x, proj, n * c.dim());
        normalizeRows(x, n, lw.ffnNorm(), xn);
        feedForward.apply(lw, xn, n, gate, up, proj, pool);
        addInPlace(x, proj, n * c.dim());
    }

    /**
     * Layer-major prefill: layer l consumes every chunk of the prompt before layer l + 1 starts, so the
     * observer sees each layer complete (and may compress it) while the later layers have not run yet. The
     * hidden states of all prompt tokens wait between layers (tokens × dim floats, in the heap or, if the observer
     * asks, in a temporary file: {@link PromptStates}); everything else is this instance's chunk-sized scratch, the
     * RoPE tables included (recomputed per chunk: the same function of the same positions). Per (layer, chunk) the
     * arithmetic is the one of {@link #forwardChunk}: layer l of chunk j reads the same cache rows (chunks 0..j of
     * layer l) in both orders, so the results are the same bits. While it runs, the cache recycles the storage that
     * the observer's evictions free ({@link KvCache#recycleFreedStorage}), so a streaming compression fills every
     * layer in the arrays of the first.
     */
    private void runLayerMajor(KvCache cache, int[] tokens, PrefillObserver observer) {
        int total = tokens.length, dim = c.dim(), half = c.headDim() / 2;
        int window = observer.observationWindow();
        if (window < 0) throw new IllegalArgumentException("observation window must be >= 0, got " + window);
        window = Math.min(window, total);
        int p0 = cache.nextPosition();
        cache.recycleFreedStorage(true);
        cache.stage(); // a quantized cache: the observer scores the keys before they become codes; its finish (or decode) seals
        try (PromptStates hidden = observer.promptStatesInFile() ? new FilePromptStates(total, dim, Math.min(chunk, total))
                : new HeapPromptStates(total, dim)) {
            for (int from = 0; from < total; from += chunk) {
                int n = Math.min(chunk, total - from);
                for (int t = 0; t < n; t++) w.tokenEmbedding().dequantizeRow(tokens[from + t], x, t * dim);
                hidden.write(from, n, x);
            }
            for (int l = 0; l < c.layers(); l++) {
                int stride = 0;
                for (int h = 0; h < c.kvHeads(); h++) {
                    cache.head(l, h).reserve(cache.rows(l, h) + total);
                    stride = Math.max(stride, cache.rows(l, h) + total);
                }
                LayerTaps taps = new LayerTaps(c.heads(), c.headDim(), c.qDim(), total, window,
                        observer.wantsCumulativeAttention() ? new float[Math.multiplyExact(c.heads(), stride)] : null, stride);
                for (int from = 0; from < total; from += chunk) {
                    int n = Math.min(chunk, total - from);
                    for (int t = 0; t < n; t++) {
                        positions[t] = p0 + from + t;
                        rope.angles(positions[t], cos, sin, t * half);
                    }
                    hidden.read(from, n, x);
                    taps.chunkFrom = from;
                    forwardLayer(cache, l, n, taps, null);
                    hidden.write(from, n, x);
                }
                observer.layerDone(l, cache, p0, total, taps.windowQueries, taps.cumulative);
            }
            hidden.read(total - 1, 1, x);
        } finally {
            cache.recycleFreedStorage(false);
        }
        cache.advance(total);
        logitsOf(0, logits);
    }

    /** What one layer of a layer-major prefill records for its observer (fresh arrays: the observer may keep them). */
    private static final class LayerTaps {
        final int heads, headDim, qDim, total, window, stride;
        /** [heads][window][headDim]. */
        final float[] windowQueries;
        /** [heads][stride] or null. */
        final float[] cumulative;
        /** Prompt index of the current chunk's first token. */
        int chunkFrom;

        LayerTaps(int heads, int headDim, int qDim, int total, int window, float[] cumulative, int stride) {
            this.heads = heads;
            this.headDim = headDim;
            this.qDim = qDim;
            this.total = total;
            this.window = window;
            this.windowQueries = new float[heads * window * headDim];
            this.cumulative = cumulative;
            this.stride = stride;
        }

        /** Copies the post-RoPE queries of the chunk's tokens that fall in the last {@code window} prompt tokens. */
        void recordWindowQueries(float[] q, int n) {
            int first = total - window;
            for (int t = Math.max(0, first - chunkFrom); t < n; t++) {
                int slot = chunkFrom + t - first;
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(q, t * qDim + h * headDim, windowQueries, (h * window + slot) * headDim, headDim);
                }
            }
        }
    }

    /** Optional per-head q/k RMSNorm (qwen3), then RoPE (tables cos/sin of the n tokens), on every query and key head. */
    private void positionHeads(LayerWeights lw, int n) {
        ropeBody.lw = lw;
        try {
            pool.forRange(n, 8, ropeBody);
        } finally {
            ropeBody.lw = null;
        }
    }

    /** The loop body of {@link #positionHeads} over tokens, reused across calls. */
    private final class RopeBody implements Parallel.RangeBody {
        private LayerWeights lw;

        @Override
        public void run(int start, int end) {
            int hd = c.headDim(), half = hd / 2;
            int qHeads = c.heads(), kHeads = c.kvHeads();
            for (int t = start; t < end; t++) {
                for (int h = 0; h < qHeads; h++) {
                    int off = t * c.qDim() + h * hd;
                    if (lw.qNorm() != null) RmsNorm.apply(q, off, lw.qNorm(), c.rmsEps(), q, off, hd);
                    rope.rotate(q, off, cos, sin, t * half);
                }
                for (int h = 0; h < kHeads; h++) {
                    int off = t * c.kvDim() + h * hd;
                    if (lw.kNorm() != null) RmsNorm.apply(k, off, lw.kNorm(), c.rmsEps(), k, off, hd);
                    rope.rotate(k, off, cos, sin, t * half);
                }
            }
        }
    }

    private void normalizeRows(float[] in, int n, float[] weight, float[] out) {
        norm.set(in, weight, out);
        try {
            pool.forRange(n, 16, norm);
        } finally {
            norm.set(null, null, null);
        }
    }

    /** The loop body of {@link #normalizeRows}: RMSNorm of rows [start, end). */
    private final class NormBody implements Parallel.RangeBody {
        private float[] in, weight, out;

        void set(float[] in, float[] weight, float[] out) {
            this.in = in;
            this.weight = weight;
            this.out = out;
        }

        @Override
        public void run(int start, int end) {
            int d = c.dim();
            for (int t = start; t < end; t++) RmsNorm.apply(in, t * d, weight, c.rmsEps(), out, t * d, d);
        }
    }

    private static void addInPlace(float[] acc, float[] delta, int n) {
        for (int i = 0; i < n; i++) acc[i] += delta[i];
    }

    private void checkRoom(KvCache cache, int n) {
        if (cache.layers() != c.layers() || cache.kvHeads() != c.kvHeads() || cache.headDim() != c.headDim()) {
            throw new IllegalArgumentException("cache of " + cache.layers() + " layers x " + cache.kvHeads() + " KV heads x "
                    + cache.headDim() + " does not fit the model (" + c.layers() + " x " + c.kvHeads() + " x " + c.headDim() + ")");
        }
        long end = (long) cache.nextPosition() + n;
        if (end > c.contextLength()) {
            throw new ContextLengthException(n + " more tokens after position " + cache.nextPosition() + " need " + end
                    + " positions, but the model's context length is " + c.contextLength());
        }
    }

    /**
     * Refuses, with a clear error instead of an OutOfMemoryError minutes later, {@code n} new tokens whose keys and
     * values in {@code layersHeld} layers cannot fit in the largest heap this JVM may have. Only what certainly
     * cannot fit is refused: garbage collection, compression and other allocations are not guessed at.
     */
    private void checkMemory(KvCache cache, int n, int layersHeld) {
        long perTokenPerLayer = 2L * c.kvHeads() * c.headDim() * cache.storage().stagedBytesPerValue();
        long need = (long) n * perTokenPerLayer * layersHeld;
        long heap = Runtime.getRuntime().maxMemory();
        if (heap != Long.MAX_VALUE && need > heap) {
            throw new ContextLengthException(n + " tokens need " + (need >> 20) + " MiB of KV cache (" + layersHeld + " layers × "
                    + perTokenPerLayer + " bytes per token) but the Java heap can hold at most " + (heap >> 20)
                    + " MiB; use a shorter prompt or a larger heap (COMPRESSKV_JAVA_OPTS=-Xmx…)");
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= c.vocab()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + c.vocab() + ")");
        }
    }
}
