package io.github.compresskv.generate;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.DecodeObserver;
import io.github.compresskv.model.DecodeTap;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.PostPrefillCompression;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.model.Transformer;

import io.github.compresskv.tokenizer.PromptTokens;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One sequence being run through a model: its {@link KvCache}, the logits after the last token, and a
 * forward pass with its own scratch buffers. {@link #prefill} starts the sequence, {@link #append} continues
 * it, {@link #generate} samples a continuation, {@link #fork} copies the whole state so one prefill can serve
 * many continuations.
 *
 * <p>The last token a generation samples is not yet run through the model (nothing needs its logits); it is
 * kept pending and runs first when the sequence continues. Not thread-safe; forks are independent.
 *
 * <p>Compression (the session knows no method names, only the hooks of package {@code model}):
 * {@link #prefill(int[], PrefillObserver)} runs the prompt layer-major and hands each finished layer to the
 * observer (which may compress it at once: streaming); {@link #compress} applies a compression that decides
 * after the whole prefill; {@link #decodeObserver} keeps the cache bounded while generating. Attention of
 * the prompt is exact either way; positions continue from the true number of tokens consumed.
 */
public final class Session {
    private final Model model;
    private final KvCache cache;
    private final float[] logits;
    private boolean hasLogits;
    private int pendingToken = -1;
    private Transformer transformer;
    private DecodeObserver decodeObserver;
    private int decodeInterval;
    private int stepsSinceObserved;

    public Session(Model model, KvStorage storage) {
        this(model, model.newCache(storage), new float[model.config().vocab()], false, -1);
    }

    /**
     * A session that runs on {@code transformer} (a benchmark reuses one forward pass, and its scratch buffers, over
     * many sequences; the transformer must serve no other sequence meanwhile).
     */
    public Session(Model model, KvStorage storage, Transformer transformer) {
        this(model, storage);
        this.transformer = transformer;
    }

    private Session(Model model, KvCache cache, float[] logits, boolean hasLogits, int pendingToken) {
        this.model = model;
        this.cache = cache;
        this.logits = logits;
        this.hasLogits = hasLogits;
        this.pendingToken = pendingToken;
    }

    public Model model() { return model; }

    /** The cache of this sequence (compression replaces rows in it). */
    public KvCache cache() { return cache; }

    /** Tokens consumed by the model so far (the next token's position). */
    public int position() { return cache.nextPosition(); }

    /** The logits after the last consumed token (a copy). */
    public float[] logits() {
        requireLogits();
        return logits.clone();
    }

    /** Runs the first tokens of the sequence (exact batched prefill); returns the last token's logits (a copy). */
    public float[] prefill(int[] tokens) { return prefill(tokens, null); }

    /**
     * Runs the first tokens of the sequence, reporting each finished layer to {@code observer} (null: the plain,
     * chunk-major prefill); returns the last token's logits (a copy), which never depend on what the observer
     * evicts. A non-streaming compression follows with {@link #compress}.
     */
    public float[] prefill(int[] tokens, PrefillObserver observer) {
        if (cache.nextPosition() != 0 || pendingToken >= 0) {
            throw new IllegalStateException("prefill starts a sequence; this one already holds " + cache.nextPosition() + " tokens (use append)");
        }
        run(tokens, observer);
        return logits.clone();
    }

    /** Continues the sequence with more tokens (e.g. the next user turn); returns the last token's logits (a copy). */
    public float[] append(int[] tokens) { return append(tokens, null); }

    /**
     * Continues the sequence with more tokens, reporting each finished layer to {@code observer} (its
     * {@code promptStart} is the position of the first new token; a pending token runs as part of these).
     */
    public float[] append(int[] tokens, PrefillObserver observer) {
        run(tokens, observer);
        return logits.clone();
    }

    /**
     * Applies a compression decided after the prefill (e.g. one that allocated budgets over all layers from the
     * scores its {@link PrefillObserver} collected). The logits and the position are unchanged. Returns
     * {@code compression} (whose report, if it keeps one, is then complete).
     */
    public <C extends PostPrefillCompression> C compress(C compression) {
        compression.afterPrefill(cache);
        return compression;
    }

    /**
     * Installs (or with null removes) a decode-time compression hook, called every {@code observer.interval()}
     * decode steps from now on. Forks share the installed observer (it receives each fork's own cache).
     */
    public void decodeObserver(DecodeObserver observer) {
        if (observer != null && observer.interval() < 1) {
            throw new IllegalArgumentException("decode observer interval must be >= 1, got " + observer.interval());
        }
        decodeObserver = observer;
        decodeInterval = observer == null ? 0 : observer.interval();
        stepsSinceObserved = 0;
    }

    /**
     * Prefills (or appends) {@code prompt}, then generates; the result's timings cover both phases.
     * {@code onText} receives the text as it is produced.
     */
    public GenerationResult generate(int[] prompt, SamplerConfig sampling, StopConditions stop, TokenDecoder decoder,
                                     Consumer<String> onText) {
        long t0 = System.nanoTime();
        if (cache.nextPosition() == 0 && pendingToken < 0) prefill(prompt); else append(prompt);
        double prefillMs = (System.nanoTime() - t0) / 1e6;
        return new Generator(this, new Sampler(sampling), stop, decoder, onText).run(prompt.length, prefillMs);
    }

    /**
     * Text in, text out with the model's tokenizer: encodes {@code prompt} (BOS as the tokenizer says, only at
     * the start of the sequence; special tokens parsed), stops also on the tokenizer's end-of-generation ids,
     * and streams decoded text (special tokens omitted) to {@code onText}.
     */
    public GenerationResult generate(String prompt, SamplerConfig sampling, StopConditions stop, Consumer<String> onText) {
        Tokenizer tokenizer = model.tokenizer();
        boolean start = cache.nextPosition() == 0 && pendingToken < 0;
        int[] tokens = start ? PromptTokens.raw(tokenizer, prompt) : PromptTokens.continuation(tokenizer, prompt);
        Set<Integer> ends = new HashSet<>(stop.endTokens());
        ends.addAll(tokenizer.endOfGenerationIds());
        return generate(tokens, sampling, stop.withEndTokens(ends), TokenDecoder.of(tokenizer), onText);
    }

    /** Generates from the current state (after a prefill or append). */
    public GenerationResult generate(SamplerConfig sampling, StopConditions stop, TokenDecoder decoder, Consumer<String> onText) {
        return generate(sampling, stop, decoder, onText, () -> false);
    }

    /**
     * Generates from the current state until a stop condition holds or {@code cancelled} turns true (read before
     * each token, from any thread; the result then says {@link StopReason#CANCELLED} and the session stays usable).
     */
    public GenerationResult generate(SamplerConfig sampling, StopConditions stop, TokenDecoder decoder, Consumer<String> onText,
                                     BooleanSupplier cancelled) {
        return new Generator(this, new Sampler(sampling), stop, decoder, onText, cancelled).run(0, 0);
    }

    /** An independent copy of this sequence (cache, logits, pending token). */
    public Session fork() {
        Session f = new Session(model, cache.copy(), logits.clone(), hasLogits, pendingToken);
        f.decodeObserver = decodeObserver;
        f.decodeInterval = decodeInterval;
        f.stepsSinceObserved = stepsSinceObserved;
        return f;
    }

    /** Room for n more tokens within the context length (counting a pending token). */
    boolean hasRoomFor(int n) {
        return (long) cache.nextPosition() + (pendingToken >= 0 ? 1 : 0) + n <= model.config().contextLength();
    }

    /** Runs one token and returns the logits buffer (valid until the next step). */
    float[] step(int token) {
        if (decodeObserver != null) decodeObserver.token(cache.nextPosition(), token);
        // an observer that also taps the decode (to re-score with recent queries) sees every layer of the step
        float[] out = transformer().decode(cache, token, decodeObserver instanceof DecodeTap tap ? tap : null);
        System.arraycopy(out, 0, logits, 0, logits.length);
        hasLogits = true;
        if (decodeObserver != null && ++stepsSinceObserved >= decodeInterval) {
            stepsSinceObserved = 0;
            decodeObserver.afterDecodeSteps(cache);
        }
        return logits;
    }

    /** The current logits buffer (not a copy). */
    float[] currentLogits() {
        requireLogits();
        return logits;
    }

    /** Marks {@code token} as sampled but not yet run; it runs first when the sequence continues. */
    void setPending(int token) {
        pendingToken = token;
        hasLogits = false;
    }

    /** Runs a pending token, if any, so the logits are current. */
    void flushPending() {
        if (pendingToken >= 0) {
            int t = pendingToken;
            pendingToken = -1;
            step(t);
        }
    }

    private void run(int[] tokens, PrefillObserver observer) {
        if (tokens.length == 0 && pendingToken < 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        int[] all = tokens;
        if (pendingToken >= 0) {
            all = new int[tokens.length + 1];
            all[0] = pendingToken;
            System.arraycopy(tokens, 0, all, 1, tokens.length);
        }
        if (decodeObserver != null) {
            for (int i = 0; i < all.length; i++) decodeObserver.token(cache.nextPosition() + i, all[i]);
        }
        float[] out = transformer().prefill(cache, all, observer);
        pendingToken = -1;
        System.arraycopy(out, 0, logits, 0, logits.length);
        hasLogits = true;
    }

    private Transformer transformer() {
        if (transformer == null) transformer = model.newTransformer();
        return transformer;
    }

    private void requireLogits() {
        if (pendingToken >= 0) flushPending();
        if (!hasLogits) throw new IllegalStateException("no logits yet: prefill the sequence first");
    }

    @Override
    public String toString() {
        return "Session[position=" + cache.nextPosition() + ", kvBytes=" + cache.bytes()
                + (pendingToken >= 0 ? ", pending token " + pendingToken : "") + "]";
    }
}
