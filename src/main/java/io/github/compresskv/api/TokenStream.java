package io.github.compresskv.api;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A generation consumed as an iterator of text pieces ({@link TokenListener}'s pieces), from
 * {@link Context#stream} or {@link Context#askStreaming}. The generation runs on a thread of its own and the
 * context is busy until it ends; {@link #close()} (try-with-resources) cancels it if it still runs and waits until
 * the context is free again. {@link #cancel()} may be called from any thread.
 *
 * <pre>{@code
 * try (TokenStream s = context.askStreaming("Who wrote it?", GenerationOptions.greedy())) {
 *     while (s.hasNext()) System.out.print(s.next());
 *     Answer a = s.answer();
 * }
 * }</pre>
 *
 * The iterator itself is for one consuming thread. An error of the generation is thrown from {@link #hasNext()},
 * {@link #next()} or {@link #answer()}.
 */
public final class TokenStream implements Iterator<String>, AutoCloseable {
    private static final Object END = new Object();

    private final BlockingQueue<Object> pieces = new LinkedBlockingQueue<>();
    private final Cancellation cancellation = new Cancellation();
    private volatile Answer answer;
    private volatile RuntimeException failure;
    private Object next;
    private boolean ended;

    private TokenStream() {}

    /** Starts the generation; the caller has entered {@code context}, the stream's thread leaves it. */
    static TokenStream start(Context context, int[] prompt, GenerationOptions options) {
        TokenStream s = new TokenStream();
        Thread.ofPlatform().daemon().name("compresskv-token-stream").start(() -> {
            try {
                s.answer = context.answer(prompt, options, s.pieces::add, s.cancellation::isCancelled);
            } catch (RuntimeException e) {
                s.failure = e;
            } catch (Error e) {
                s.failure = new IllegalStateException("generation failed: " + e, e);
            } finally {
                context.exit();
                s.pieces.add(END);
            }
        });
        return s;
    }

    @Override
    public boolean hasNext() {
        if (next == null) next = take();
        return next != END;
    }

    @Override
    public String next() {
        if (!hasNext()) throw new NoSuchElementException("the generation has ended");
        String piece = (String) next;
        next = null;
        return piece;
    }

    /** Stops the generation before its next token (any thread); pieces already produced can still be read. */
    public void cancel() { cancellation.cancel(); }

    /** Waits for the generation to end (reading the remaining pieces) and returns its outcome. */
    public Answer answer() {
        while (hasNext()) next();
        return answer;
    }

    /** Cancels the generation if it still runs and waits until it has ended (the context is then free). */
    @Override
    public void close() {
        cancel();
        try {
            while (!ended) take();
        } catch (RuntimeException e) {
            if (!ended) throw e; // interrupted; a failure of the generation itself is for hasNext, next and answer
        }
        next = END;
    }

    private Object take() {
        if (ended) {
            if (failure != null) throw failure;
            return END;
        }
        Object o;
        try {
            o = pieces.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new IllegalStateException("interrupted while waiting for generated text (the generation was cancelled)", e);
        }
        if (o == END) {
            ended = true;
            if (failure != null) throw failure;
        }
        return o;
    }
}
