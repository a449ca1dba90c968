package io.github.compresskv.server;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs completion requests on the decode slots: resolves where the prompt's cache starts (a stored context, the
 * longest cached prefix, or nothing), pays its KV memory, prefills and compresses, generates, and frees everything
 * at the end, also when the client went away.
 */
final class CompletionRunner {
    private final Engine engine;
    private final KvMemory memory;
    private final PrefixCache prefixes;
    private final ContextStore contexts;
    private final Metrics metrics;
    private final ExecutorService slots;
    private final Set<EngineState> live = ConcurrentHashMap.newKeySet();

    CompletionRunner(Engine engine, KvMemory memory, PrefixCache prefixes, ContextStore contexts, Metrics metrics, ExecutorService slots) {
        this.engine = engine;
        this.memory = memory;
        this.prefixes = prefixes;
        this.contexts = contexts;
        this.metrics = metrics;
        this.slots = slots;
    }

    /** A request checked on the HTTP thread: its whole prompt and, with a context, that context. */
    record Plan(CompletionRequest request, int[] tokens, ContextStore.StoredContext context) {}

    /** Tokenizes and checks a request (400 / 404) before it takes a slot. */
    Plan plan(CompletionRequest r) {
        engine.validate(r.compression());
        ContextStore.StoredContext ctx = r.contextId() == null ? null : contexts.get(r.contextId(), "context_id");
        if (ctx != null && r.compression().compresses()) {
            throw ApiException.badRequest("kv_compression", "a request with context_id continues that context's cache, compressed when it was created;"
                    + " leave kv_compression out");
        }
        int[] own = engine.tokens(r, ctx == null);
        int[] tokens = own;
        if (ctx != null) {
            tokens = Arrays.copyOf(ctx.tokens(), ctx.tokens().length + own.length);
            System.arraycopy(own, 0, tokens, ctx.tokens().length, own.length);
        }
        String field = r.chat() ? "messages" : "prompt";
        if (tokens.length == 0 || own.length == 0) throw ApiException.badRequest(field, field + " is empty");
        if (tokens.length >= engine.contextLength()) {
            throw ApiException.badRequest(field, "the prompt has " + tokens.length + " tokens" + (ctx != null ? " with its context" : "")
                    + "; the model's context is " + engine.contextLength() + " tokens (room is needed for at least one new token)");
        }
        return new Plan(r, tokens, ctx);
    }

    /** Queues the request on a slot, or 429 when the queue is full. */
    Job submit(Plan plan) {
        Job job = new Job();
        try {
            slots.execute(() -> run(plan, job));
        } catch (RejectedExecutionException e) {
            metrics.rejectedQueue.increment();
            throw ApiException.queueFull(1);
        }
        return job;
    }

    /** KV bytes of the requests running now (contexts and the prefix cache not included). */
    long liveBytes() {
        long b = 0;
        for (EngineState s : live) b += s.kvBytes();
        return b;
    }

    private void run(Plan plan, Job job) {
        if (job.cancelled()) return;
        CompletionRequest r = plan.request();
        GenerationParams p = r.params();
        int[] tokens = plan.tokens();
        long bpt = engine.kvBytesPerToken();
        EngineState base = null;
        int cached = 0;
        if (plan.context() != null) {
            base = plan.context().state();
            cached = plan.context().tokens().length;
        } else {
            PrefixCache.Entry hit = prefixes.longestPrefix(r.compression(), tokens);
            if (hit != null) {
                base = hit.state();
                cached = hit.tokens().length;
            }
        }
        int newTokens = tokens.length - cached;
        int maxNew = Math.min(p.maxTokens(), engine.contextLength() - tokens.length);
        long estimate = (base == null ? 0 : base.kvBytes()) + (newTokens + maxNew + 1L) * bpt;
        EngineState state = null;
        try (KvMemory.Reservation reservation = memory.reserve(estimate, "this request (" + tokens.length + " prompt tokens + "
                + maxNew + " new)")) {
            state = base == null ? engine.newState() : base.fork();
            live.add(state);
            EngineState.Prefill pf;
            if (base == null) {
                pf = state.prefill(tokens, r.compression());
            } else {
                long t0 = System.nanoTime();
                if (newTokens > 0) state.append(Arrays.copyOfRange(tokens, cached, tokens.length));
                pf = new EngineState.Prefill(tokens.length * bpt, state.kvBytes(), (System.nanoTime() - t0) / 1e6, 0);
            }
            metrics.prefill(newTokens, pf.prefillMs());
            reservation.shrinkTo(state.kvBytes() + (maxNew + 1L) * bpt);
            if (plan.context() == null) prefixes.put(r.compression(), tokens, state, pf.fullBytes());
            job.emit(new Job.Started());
            EngineState.Generated g = state.generate(p, text -> job.emit(new Job.Text(text)), job::cancelled);
            metrics.decode(g.tokens(), g.decodeMs());
            metrics.promptTokens.add(tokens.length);
            metrics.cachedPromptTokens.add(cached);
            metrics.completionTokens.add(g.tokens());
            String method = plan.context() != null ? plan.context().spec().label() : r.compression().label();
            job.emit(new Job.Done(g.finishReason(), new Job.Usage(tokens.length, cached, g.tokens(), pf.fullBytes(), pf.keptBytes(),
                    method, pf.prefillMs(), pf.compressMs(), g.decodeMs())));
        } catch (EngineState.Cancelled e) {
            metrics.cancelled.increment();
        } catch (ApiException e) {
            if (e.status() == 503) metrics.rejectedMemory.increment();
            job.emit(new Job.Failed(e));
        } catch (RuntimeException | OutOfMemoryError e) {
            job.emit(new Job.Failed(ApiException.internal("generation failed: " + e)));
        } finally {
            if (state != null) live.remove(state);
        }
    }
}
