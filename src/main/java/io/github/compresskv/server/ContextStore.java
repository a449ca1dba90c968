package io.github.compresskv.server;

import io.github.compresskv.api.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Documents prefilled and compressed once by {@code POST /v1/contexts}, held until {@code DELETE /v1/contexts/{id}}.
 * Their caches are read-only: a request forks one and continues the fork. Each holds its KV bytes in {@link KvMemory}.
 */
final class ContextStore {
    /** A stored context. */
    record StoredContext(String id, int[] tokens, Context context, KvCompression spec, long fullBytes, long keptBytes,
                         double prefillMs, double compressMs, long createdSeconds, KvMemory.Reservation memory) {}

    private final Map<String, StoredContext> contexts = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();

    String newId() { return "ctx-" + Long.toString(System.currentTimeMillis(), 36) + "-" + next.incrementAndGet(); }

    void put(StoredContext c) { contexts.put(c.id(), c); }

    /** The context named {@code id}, or 404 naming {@code param}. */
    StoredContext get(String id, String param) {
        StoredContext c = id == null ? null : contexts.get(id);
        if (c == null) throw ApiException.notFound(param, "context_not_found", "no context with id '" + id + "' (create one with POST /v1/contexts)");
        return c;
    }

    /** Removes the context and frees its memory, or 404. */
    StoredContext delete(String id) {
        StoredContext c = contexts.remove(id);
        if (c == null) throw ApiException.notFound(null, "context_not_found", "no context with id '" + id + "'");
        c.memory().close();
        return c;
    }

    List<StoredContext> all() { return new ArrayList<>(contexts.values()); }

    int size() { return contexts.size(); }

    long bytes() {
        long b = 0;
        for (StoredContext c : contexts.values()) b += c.keptBytes();
        return b;
    }

    void clear() {
        for (String id : new ArrayList<>(contexts.keySet())) {
            StoredContext c = contexts.remove(id);
            if (c != null) c.memory().close();
        }
    }
}
