package io.github.compresskv.generate;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The sampling loop of one generation: sample a token from the current logits, check the stop conditions,
 * stream its text, run it through the model, repeat. Text reaches {@code onText} as soon as it is certain
 * (complete characters, not possibly the start of a stop string).
 */
final class Generator {
    private final Session session;
    private final Sampler sampler;
    private final StopConditions stop;
    private final TokenDecoder decoder;
    private final Consumer<String> onText;
    private final BooleanSupplier cancelled;

    Generator(Session session, Sampler sampler, StopConditions stop, TokenDecoder decoder, Consumer<String> onText) {
        this(session, sampler, stop, decoder, onText, () -> false);
    }

    /** @param cancelled read before every sampled token; true ends the generation with {@link StopReason#CANCELLED} */
    Generator(Session session, Sampler sampler, StopConditions stop, TokenDecoder decoder, Consumer<String> onText, BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        this.session = session;
        this.sampler = sampler;
        this.stop = stop;
        this.decoder = decoder;
        this.onText = onText;
    }

    /** Rows reserved for decoding before the first step (more grow as the cache does). */
    static final int DECODE_RESERVE = 1024;

    GenerationResult run(int promptTokens, double prefillMs) {
        long t0 = System.nanoTime();
        session.flushPending();
        // room for the tokens to come, up to a bound: growing a long cache by half its size at the first step would
        // copy it and leave a third of it unused
        session.cache().reserveRows(Math.min(stop.maxTokens(), DECODE_RESERVE));
        StopStringMatcher matcher = new StopStringMatcher(stop.stopStrings());
        StringBuilder text = new StringBuilder();
        int[] ids = new int[Math.min(stop.maxTokens(), 1024)];
        int count = 0;
        StopReason reason;
        float[] logits = session.currentLogits();
        while (true) {
            if (cancelled.getAsBoolean()) {
                reason = StopReason.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            if (count == ids.length) ids = Arrays.copyOf(ids, Math.min(stop.maxTokens(), ids.length * 2));
            ids[count++] = token;
            if (stop.endTokens().contains(token)) {
                reason = StopReason.END_OF_GENERATION;
                session.setPending(token);
                break;
            }
            emit(matcher.accept(decoder.next(token)), text);
            if (matcher.stopped()) {
                reason = StopReason.STOP_STRING;
                session.setPending(token);
                break;
            }
            if (count >= stop.maxTokens()) {
                reason = StopReason.MAX_TOKENS;
                session.setPending(token);
                break;
            }
            if (!session.hasRoomFor(1)) {
                reason = StopReason.CONTEXT_FULL;
                session.setPending(token);
                break;
            }
            logits = session.step(token);
        }
        if (!matcher.stopped()) {
            emit(matcher.accept(decoder.flush()), text);
            emit(matcher.finish(), text);
        }
        double decodeMs = (System.nanoTime() - t0) / 1e6;
        return new GenerationResult(text.toString(), Arrays.copyOf(ids, count), promptTokens, count, prefillMs, decodeMs, reason);
    }

    private void emit(String piece, StringBuilder text) {
        if (piece.isEmpty()) return;
        text.append(piece);
        onText.accept(piece);
    }
}
