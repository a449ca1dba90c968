package io.github.compresskv.server;

import io.github.compresskv.api.Answer;
import io.github.compresskv.api.Compression;
import io.github.compresskv.api.Context;
import io.github.compresskv.api.FinishReason;
import io.github.compresskv.api.GenerationOptions;
import io.github.compresskv.api.PrefillReport;
import io.github.compresskv.api.Prompt;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.model.ContextLengthException;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs completion requests on the decode slots: finds where the prompt's cache starts (a stored context, the longest
 * cached prefix, or nothing), pays its KV memory, prefills and compresses, generates, and frees everything at the
 * end, also when the client went away.
 */
final class CompletionRunner {
    private final ServedModel model;
    private final KvMemory memory;
    private final PrefixCache prefixes;
    private final ContextStore contexts;
    private final Metrics metrics;
    private final ExecutorService slots;
    private final Set<Context> live = ConcurrentHashMap.newKeySet();

    CompletionRunner(ServedModel model, KvMemory memory, PrefixCache prefixes, ContextStore contexts, Metrics metrics, ExecutorService slots) {
        this.model = model;
        this.memory = memory;
        this.prefixes = prefixes;
        this.contexts = contexts;
        this.metrics = metrics;
        this.slots = slots;
    }

    /** A request checked on the HTTP thread: its whole prompt (a context's tokens first) and that context. */
    record Plan(CompletionRequest request, int[] tokens, ContextStore.StoredContext context, Compression compression) {}

    /** Tokenizes and checks a request (400 / 404) before it takes a slot. */
    Plan plan(CompletionRequest r) {
        ContextStore.StoredContext ctx = r.contextId() == null ? null : contexts.get(r.contextId(), "context_id");
        if (ctx != null && r.compression().compresses()) {
            throw ApiException.badRequest("kv_compression", "a request with context_id continues that context's cache, compressed when it was created;"
                    + " leave kv_compression out");
        }
        Compression compression = model.compression(r.compression());
        int[] own = model.tokens(r, ctx == null);
        int[] tokens = own;
        if (ctx != null) {
            tokens = Arrays.copyOf(ctx.tokens(), ctx.tokens().length + own.length);
            System.arraycopy(own, 0, tokens, ctx.tokens().length, own.length);
        }
        String field = r.chat() ? "messages" : "prompt";
        if (own.length == 0) throw ApiException.badRequest(field, field + " is empty");
        if (tokens.length >= model.contextLength()) {
            throw ApiException.badRequest(field, "the prompt has " + tokens.length + " tokens" + (ctx != null ? " with its context" : "")
                    + "; the model's context is " + model.contextLength() + " tokens (room is needed for at least one new token)");
        }
        return new Plan(r, tokens, ctx, compression);
    }

    /** Queues the request on a slot, or 429 when every slot is busy and the queue is full. */
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
        for (Context c : live) b += c.kvBytes();
        return b;
    }

    private void run(Plan plan, Job job) {
        if (job.cancelled()) return;
        CompletionRequest r = plan.request();
        GenerationParams p = r.params();
        int[] tokens = plan.tokens();
        long bpt = model.kvBytesPerToken();
        Context base = null;
        int cached = 0;
        if (plan.context() != null) {
            base = plan.context().context();
            cached = plan.context().tokens().length;
        } else {
            PrefixCache.Entry hit = prefixes.longestPrefix(r.compression(), tokens);
            if (hit != null) {
                base = hit.context();
                cached = hit.tokens().length;
            }
        }
        int rest = tokens.length - cached;
        int maxNew = Math.min(p.maxTokens(), model.contextLength() - tokens.length);
        // a prefill holds the full cache of its tokens until compression; generation adds one row per token
        long estimate = base == null ? model.prefillPeakBytes(tokens.length, plan.compression()) + (maxNew + 1L) * bpt
                : base.kvBytes() + (rest + maxNew + 1L) * bpt;
        Context context = null;
        try (KvMemory.Reservation reservation = memory.reserve(estimate, "this request (" + tokens.length + " prompt tokens + " + maxNew + " new)")) {
            context = base == null ? model.newContext() : ServedModel.forkShared(base);
            live.add(context);
            long fullBytes;
            double prefillMs;
            double compressMs = 0;
            if (base == null) {
                PrefillReport pr = prefill(context, tokens, plan.compression());
                fullBytes = pr.kvBytesBefore();
                prefillMs = pr.prefillMillis();
                compressMs = pr.compressionMillis();
            } else {
                long t0 = System.nanoTime();
                if (rest > 0) context.append(Prompt.tokens(Arrays.copyOfRange(tokens, cached, tokens.length)));
                prefillMs = (System.nanoTime() - t0) / 1e6;
                fullBytes = tokens.length * bpt;
            }
            long keptBytes = context.kvBytes();
            metrics.prefill(rest, prefillMs);
            reservation.shrinkTo(keptBytes + (maxNew + 1L) * bpt);
            if (plan.context() == null) prefixes.put(r.compression(), tokens, context, fullBytes);
            job.emit(new Job.Started());
            Answer a = context.generate(options(p, maxNew, job), job::emitText);
            if (a.finishReason() == FinishReason.CANCELLED) {
                metrics.cancelled.increment();
                return;
            }
            metrics.decode(a.generatedTokens(), a.decodeMillis());
            metrics.promptTokens.add(tokens.length);
            metrics.cachedPromptTokens.add(cached);
            metrics.completionTokens.add(a.generatedTokens());
            String method = plan.context() != null ? plan.context().spec().label() : r.compression().label();
            String finish = a.finishReason() == FinishReason.MAX_TOKENS || a.finishReason() == FinishReason.CONTEXT_FULL ? "length" : "stop";
            job.emit(new Job.Done(finish, new Job.Usage(tokens.length, cached, a.generatedTokens(), fullBytes, keptBytes, method,
                    prefillMs, compressMs, a.decodeMillis())));
        } catch (ApiException e) {
            if (e.status() == 503) metrics.rejectedMemory.increment();
            job.emit(new Job.Failed(e));
        } catch (RuntimeException | OutOfMemoryError e) {
            job.emit(new Job.Failed(ApiException.internal("generation failed: " + e)));
        } finally {
            if (context != null) live.remove(context);
        }
    }

    /** A fresh prefill, compressed as asked; a compression setting the engine refuses is a 400 naming the field. */
    static PrefillReport prefill(Context context, int[] tokens, Compression compression) {
        try {
            return context.prefill(Prompt.tokens(tokens), compression);
        } catch (CompressionException e) {
            throw ServedModel.badCompression(e);
        } catch (ContextLengthException e) {
            throw ApiException.badRequest("prompt", e.getMessage());
        } catch (IllegalArgumentException e) {
            if (compression.compresses()) throw ServedModel.badCompression(e);
            throw e;
        }
    }

    private static GenerationOptions options(GenerationParams p, int maxNew, Job job) {
        GenerationOptions o = p.greedy() ? GenerationOptions.greedy() : GenerationOptions.sampling(p.temperature(), p.seed()).topP(p.topP());
        return o.maxTokens(Math.max(1, maxNew)).stop(p.stop()).ignoreEndOfText(p.ignoreEos()).cancellation(job.cancellation());
    }
}
