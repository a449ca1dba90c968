package io.github.compresskv.api;

/**
 * A flag that stops a generation from another thread: pass it with {@link GenerationOptions#cancellation}, call
 * {@link #cancel()} from any thread, and the generation ends before its next token with
 * {@link FinishReason#CANCELLED} (the text generated so far is kept; the context stays usable). One cancellation may
 * serve several generations; once cancelled it stays cancelled.
 */
public final class Cancellation {
    private volatile boolean cancelled;

    /** Asks every generation that watches this flag to stop. Safe from any thread, any number of times. */
    public void cancel() { cancelled = true; }

    public boolean isCancelled() { return cancelled; }
}
