package io.github.compresskv.api;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.CompressedPrefill;
import io.github.compresskv.compress.CompressionReport;
import io.github.compresskv.compress.CompressionSpec;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One running sequence of a {@link LanguageModel}: its KV cache and the tokens it has consumed. Prefill a document
 * once (compressed or not), then generate, or {@link #ask} questions, each from a {@link #fork()} when the
 * document should serve several:
 *
 * <pre>{@code
 * Context document = model.newContext();
 * PrefillReport r = document.prefill(Prompt.text(text), Compression.method("kvzip").budget(64));
 * System.out.println(r.kvBytesBefore() + " -> " + r.kvBytesAfter() + " bytes");
 * for (String q : questions) {
 *     Answer a = document.fork().ask(q, GenerationOptions.greedy().maxTokens(32));
 * }
 * }</pre>
 *
 * <p>Question-aware compression puts the question inside the prefilled prompt (window scorers such as snapkv and
 * compresskv then know what is asked); question-agnostic compression prefills and compresses the document alone and
 * asks afterwards ({@code kvzip} is made for it).
 *
 * <p>Not thread-safe: one thread at a time (a concurrent call fails with {@link IllegalStateException});
 * {@link Cancellation} and {@link TokenStream#cancel()} are the calls other threads may make. Positions continue
 * from the true number of tokens consumed whatever compression removed. The last token a generation samples is
 * consumed when the context continues (it is part of {@link #tokenIds()} already).
 */
public final class Context {
    private final LanguageModel model;
    private final Session session;
    private final AtomicBoolean busy = new AtomicBoolean();
    private int[] tokens;
    private int count;

    Context(LanguageModel model, KvStorage storage) {
        this(model, new Session(model.model(), storage), new int[64], 0);
    }

    private Context(LanguageModel model, Session session, int[] tokens, int count) {
        this.model = model;
        this.session = session;
        this.tokens = tokens;
        this.count = count;
    }

    /** Runs {@code prompt} into this empty context with the full cache. */
    public PrefillReport prefill(Prompt prompt) { return prefill(prompt, Compression.none()); }

    /**
     * Runs {@code prompt} into this empty context and compresses its KV cache as {@code compression} says: the
     * method scores from this prefill (or, for kvzip, from a reconstruction pass after it), then evicts. The report
     * gives the KV bytes of the full and the kept cache.
     */
    public PrefillReport prefill(Prompt prompt, Compression compression) {
        enter();
        try {
            if (count > 0) throw new IllegalStateException("prefill starts a context; this one holds " + count + " tokens (use append, or a new context)");
            return run(model.tokens(prompt, true), compression);
        } finally {
            exit();
        }
    }

    /** Continues the context with {@code prompt} (plain text gets no BOS here), full cache for the new tokens. */
    public PrefillReport append(Prompt prompt) { return append(prompt, Compression.none()); }

    /**
     * Continues the context with {@code prompt}, compressing the rows of these new tokens only (what the context held
     * before stays as it is). A prefill into an empty context when it is empty.
     */
    public PrefillReport append(Prompt prompt, Compression compression) {
        enter();
        try {
            return run(model.tokens(prompt, count == 0), compression);
        } finally {
            exit();
        }
    }

    /** Generates a continuation of what the context holds. */
    public Answer generate(GenerationOptions options) { return generate(options, null); }

    /** Generates a continuation, streaming its text to {@code listener} as it is produced. */
    public Answer generate(GenerationOptions options, TokenListener listener) {
        enter();
        try {
            return answer(new int[0], options, listener, null);
        } finally {
            exit();
        }
    }

    /** Generates a continuation consumed as an iterator of text pieces (see {@link TokenStream}). */
    public TokenStream stream(GenerationOptions options) { return startStream(new int[0], options); }

    /**
     * Appends {@code question} (plain text, no BOS) and answers it: the question-agnostic use of a compressed
     * document. Ask on a {@link #fork()} to keep the document for the next question.
     */
    public Answer ask(String question, GenerationOptions options) { return ask(question, options, null); }

    /** {@link #ask(String, GenerationOptions)}, streaming the answer's text to {@code listener}. */
    public Answer ask(String question, GenerationOptions options, TokenListener listener) {
        enter();
        try {
            return answer(questionTokens(question), options, listener, null);
        } finally {
            exit();
        }
    }

    /** {@link #ask(String, GenerationOptions)} as an iterator of text pieces (see {@link TokenStream}). */
    public TokenStream askStreaming(String question, GenerationOptions options) { return startStream(questionTokens(question), options); }

    /**
     * An independent copy: the KV cache (compressed as it is), the tokens consumed and the logits. Costs one copy of
     * the cache; generating on the fork leaves this context unchanged.
     */
    public Context fork() {
        enter();
        try {
            return new Context(model, session.fork(), tokens.clone(), count);
        } finally {
            exit();
        }
    }

    /** Tokens consumed so far (prompts and generated tokens): the next token's position. */
    public int position() { return count; }

    /**
     * The token ids consumed so far, in order. A server can keep a context for a prompt prefix and continue
     * a {@link #fork()} with the rest of a longer prompt that starts with these ids.
     */
    public int[] tokenIds() { return Arrays.copyOf(tokens, count); }

    /** Bytes the KV cache holds now. */
    public long kvBytes() { return session.cache().bytes(); }

    /** The model this context runs on. */
    public LanguageModel model() { return model; }

    @Override
    public String toString() { return "Context[position=" + count + ", kvBytes=" + kvBytes() + "]"; }

    private int[] questionTokens(String question) {
        if (question == null || question.isEmpty()) throw new IllegalArgumentException("empty question");
        if (count == 0) throw new IllegalStateException("ask needs a prefilled context (prefill the document first)");
        return model.tokens(Prompt.text(question), false);
    }

    private PrefillReport run(int[] ids, Compression compression) {
        CompressionSpec spec = compression.spec(model.path());
        long before = session.cache().bytes();
        session.cache().resetPeakBytes();
        CompressedPrefill p = CompressedPrefill.run(session, ids, spec, model.tokenizer());
        record(ids);
        CompressionReport r = p.report();
        long after = session.cache().bytes();
        double compressMs = (p.totalNanos() - p.prefillNanos()) / 1e6;
        if (r == null) {
            return new PrefillReport("full", ids.length, p.prefillNanos() / 1e6, 0, after, after, session.cache().peakBytes(), count);
        }
        return new PrefillReport(r.method(), ids.length, p.prefillNanos() / 1e6, compressMs, Math.max(r.bytesBefore(), before),
                after, Math.max(r.peakBytes(), session.cache().peakBytes()), count);
    }

    /** Generates after running {@code prompt} (may be empty); the caller holds the busy flag. */
    Answer answer(int[] prompt, GenerationOptions options, TokenListener listener, BooleanSupplier extraCancel) {
        Cancellation c = options.cancellation();
        BooleanSupplier cancelled = () -> (c != null && c.isCancelled()) || (extraCancel != null && extraCancel.getAsBoolean());
        StopConditions stop = new StopConditions(options.maxTokens(), model.tokenizer().endOfGenerationIds(), options.stopStrings());
        double prefillMs = 0;
        if (prompt.length > 0) {
            long t0 = System.nanoTime();
            session.append(prompt);
            prefillMs = (System.nanoTime() - t0) / 1e6;
            record(prompt);
        }
        GenerationResult g = session.generate(options.samplerConfig(), stop, TokenDecoder.of(model.tokenizer()),
                listener == null ? s -> { } : listener::onText, cancelled);
        record(g.tokenIds());
        return new Answer(g.text(), g.tokenIds(), reason(g), prompt.length, g.generatedTokens(), prefillMs, g.decodeMs(),
                session.cache().bytes(), count);
    }

    private static FinishReason reason(GenerationResult g) {
        return switch (g.stopReason()) {
            case END_OF_GENERATION -> FinishReason.END_OF_TEXT;
            case STOP_STRING -> FinishReason.STOP_STRING;
            case MAX_TOKENS -> FinishReason.MAX_TOKENS;
            case CONTEXT_FULL -> FinishReason.CONTEXT_FULL;
            case CANCELLED -> FinishReason.CANCELLED;
        };
    }

    private TokenStream startStream(int[] prompt, GenerationOptions options) {
        enter(); // released by the stream's thread when it ends
        try {
            return TokenStream.start(this, prompt, options);
        } catch (RuntimeException | Error e) {
            exit();
            throw e;
        }
    }

    private void record(int[] ids) {
        if (count + ids.length > tokens.length) tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, count + ids.length));
        System.arraycopy(ids, 0, tokens, count, ids.length);
        count += ids.length;
    }

    void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("this context is in use by another call (a context serves one thread at a time; fork it for another)");
        }
    }

    void exit() { busy.set(false); }
}
