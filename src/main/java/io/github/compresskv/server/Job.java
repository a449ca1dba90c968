package io.github.compresskv.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One completion request between the HTTP thread that answers it and the decode slot that runs it: events flow
 * from the slot ({@link Event}), cancellation flows back (the client went away).
 */
final class Job {
    /** What the slot reports, in order: {@link Started}, then {@link Text}s, then {@link Done} or {@link Failed}. */
    sealed interface Event permits Started, Text, Done, Failed {}

    /** The prompt is in the cache; generation begins. */
    record Started() implements Event {}

    record Text(String text) implements Event {}

    /** The generation ended; {@code usage} holds its figures. */
    record Done(String finishReason, Usage usage) implements Event {}

    record Failed(ApiException error) implements Event {}

    /** Figures of one request for {@code usage} and {@code timings}. */
    record Usage(int promptTokens, int cachedTokens, int completionTokens, long kvFullBytes, long kvKeptBytes, String kvMethod,
                 double prefillMs, double compressMs, double decodeMs) {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    void emit(Event e) { events.add(e); }

    Event next() throws InterruptedException { return events.take(); }

    void cancel() { cancelled = true; }

    boolean cancelled() { return cancelled; }
}
