package io.github.compresskv.server;

import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;

import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** One sequence of the engine: its KV cache after a prefill (compressed or not), forkable, generating. */
final class EngineState {
    private final Engine engine;
    private final Session session;

    EngineState(Engine engine, Session session) {
        this.engine = engine;
        this.session = session;
    }

    /** Figures of a prefill: the cache without and with compression, and the time of each phase. */
    record Prefill(long fullBytes, long keptBytes, double prefillMs, double compressMs) {}

    /** What a generation produced. */
    record Generated(int tokens, String finishReason, double decodeMs) {}

    /** Thrown inside the generation loop when the request was cancelled. */
    static final class Cancelled extends RuntimeException {
        Cancelled() { super("cancelled", null, false, false); }
    }

    /** Starts the sequence with {@code tokens}, compressing the cache after the prefill when {@code spec} says so. */
    Prefill prefill(int[] tokens, CompressionSpec spec) {
        long t0 = System.nanoTime();
        if (!spec.compresses()) {
            session.prefill(tokens);
            long b = session.cache().bytes();
            return new Prefill(b, b, (System.nanoTime() - t0) / 1e6, 0);
        }
        KvCompressor compressor = engine.compressor(spec, tokens);
        session.prefill(tokens, compressor);
        long t1 = System.nanoTime();
        var report = compressor.finish(session.cache());
        return new Prefill(report.bytesBefore(), session.cache().bytes(), (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
    }

    /** Continues the sequence (uncompressed) with {@code tokens}. */
    void append(int[] tokens) { session.append(tokens); }

    EngineState fork() { return new EngineState(engine, session.fork()); }

    long kvBytes() { return session.cache().bytes(); }

    int position() { return session.position(); }

    /** Generates from the current state, text to {@code onText}; stops with {@link Cancelled} once {@code cancelled} says so. */
    Generated generate(GenerationParams p, Consumer<String> onText, BooleanSupplier cancelled) {
        SamplerConfig sampling = p.greedy() ? SamplerConfig.greedy() : SamplerConfig.temperature(p.temperature(), p.seed()).withTopP(p.topP());
        Set<Integer> ends = p.ignoreEos() ? Set.of() : new HashSet<>(engine.tokenizer().endOfGenerationIds());
        StopConditions stop = new StopConditions(p.maxTokens(), ends, p.stop());
        GenerationResult r = session.generate(sampling, stop, TokenDecoder.of(engine.tokenizer()), text -> {
            if (cancelled.getAsBoolean()) throw new Cancelled();
            onText.accept(text);
        });
        String finish = switch (r.stopReason()) {
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            default -> "stop";
        };
        return new Generated(r.generatedTokens(), finish, r.decodeMs());
    }
}
