package io.github.compresskv.server;

import io.github.compresskv.api.Cancellation;

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
    private final Cancellation cancellation = new Cancellation();

    void emit(Event e) { events.add(e); }

    void emitText(String text) { events.add(new Text(text)); }

    Event next() throws InterruptedException { return events.take(); }

    /** Stops the generation before its next token (from any thread); the slot then frees its cache. */
    void cancel() { cancellation.cancel(); }

    boolean cancelled() { return cancellation.isCancelled(); }

    Cancellation cancellation() { return cancellation; }
}
