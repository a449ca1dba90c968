package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.github.compresskv.api.Compression;
import io.github.compresskv.api.Context;
import io.github.compresskv.api.PrefillReport;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code /v1/contexts}: {@code POST} prefills a document once and compresses it before any question is known
 * (question-agnostic), {@code GET} lists or shows contexts, {@code DELETE /v1/contexts/{id}} frees one. A completion
 * request that names {@code context_id} forks the context's cache and prefills only its own text.
 */
final class ContextsEndpoint {
    private final ServedModel model;
    private final ContextStore contexts;
    private final KvMemory memory;
    private final Metrics metrics;
    private final ExecutorService slots;
    private final List<String> methods;
    private final long maxBody;

    ContextsEndpoint(ServedModel model, ContextStore contexts, KvMemory memory, Metrics metrics, ExecutorService slots, List<String> methods, long maxBody) {
        this.model = model;
        this.contexts = contexts;
        this.memory = memory;
        this.metrics = metrics;
        this.slots = slots;
        this.methods = methods;
        this.maxBody = maxBody;
    }

    /** Answers {@code /v1/contexts[/id]}; returns the status sent. */
    int handle(HttpExchange ex, String id) throws IOException, InterruptedException {
        String m = ex.getRequestMethod();
        if (id == null && m.equals("POST")) return create(ex);
        if (id == null && m.equals("GET")) {
            ObjectNode root = Json.object();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            for (var c : contexts.all()) data.add(describe(c));
            Http.sendJson(ex, 200, root);
            return 200;
        }
        if (id != null && m.equals("GET")) {
            Http.sendJson(ex, 200, describe(contexts.get(id, null)));
            return 200;
        }
        if (id != null && m.equals("DELETE")) {
            contexts.delete(id);
            ObjectNode root = Json.object();
            root.put("id", id);
            root.put("object", "context.deleted");
            root.put("deleted", true);
            Http.sendJson(ex, 200, root);
            return 200;
        }
        throw ApiException.methodNotAllowed(m, ex.getRequestURI().getPath());
    }

    private int create(HttpExchange ex) throws IOException, InterruptedException {
        JsonNode body = Http.readJson(ex, maxBody);
        if (!body.isObject()) throw ApiException.badRequest(null, "the request body must be a JSON object");
        String document = Fields.string(body, "document", "document", null);
        if (document == null || document.isEmpty()) throw ApiException.badRequest("document", "document must be a non-empty string");
        KvCompression spec = KvCompression.parse(body, methods);
        Compression compression = model.compression(spec);
        int[] tokens = model.documentTokens(document);
        if (tokens.length >= model.contextLength()) {
            throw ApiException.badRequest("document", "the document has " + tokens.length + " tokens; the model's context is " + model.contextLength());
        }
        Future<ContextStore.StoredContext> f;
        try {
            f = slots.submit(() -> build(tokens, spec, compression));
        } catch (RejectedExecutionException e) {
            metrics.rejectedQueue.increment();
            throw ApiException.queueFull(1);
        }
        ContextStore.StoredContext c;
        try {
            c = f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException a) {
                if (a.status() == 503) metrics.rejectedMemory.increment();
                throw a;
            }
            throw ApiException.internal("context prefill failed: " + e.getCause());
        }
        contexts.put(c);
        Http.sendJson(ex, 200, describe(c));
        return 200;
    }

    private ContextStore.StoredContext build(int[] tokens, KvCompression spec, Compression compression) {
        KvMemory.Reservation r = memory.reserve(model.prefillPeakBytes(tokens.length, compression), "this document (" + tokens.length + " tokens)");
        try {
            Context context = model.newContext();
            PrefillReport pr = CompletionRunner.prefill(context, tokens, compression);
            metrics.prefill(tokens.length, pr.prefillMillis());
            r.shrinkTo(context.kvBytes());
            return new ContextStore.StoredContext(contexts.newId(), tokens, context, spec, pr.kvBytesBefore(), context.kvBytes(),
                    pr.prefillMillis(), pr.compressionMillis(), System.currentTimeMillis() / 1000, r);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private static ObjectNode describe(ContextStore.StoredContext c) {
        ObjectNode n = Json.object();
        n.put("id", c.id());
        n.put("object", "context");
        n.put("created", c.createdSeconds());
        n.put("tokens", c.tokens().length);
        n.put("kv_compression", c.spec().label());
        n.put("kv_full_bytes", c.fullBytes());
        n.put("kv_kept_bytes", c.keptBytes());
        n.put("prefill_ms", Math.round(c.prefillMs() * 100) / 100.0);
        n.put("compress_ms", Math.round(c.compressMs() * 100) / 100.0);
        return n;
    }
}
