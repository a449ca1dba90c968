package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;

/**
 * The {@code kv_compression} field of a request: which method compresses the prompt's KV cache after its prefill
 * and how much it keeps. {@code budget} is prompt tokens kept per KV head per layer (observation window included);
 * {@code ratio} the fraction removed instead. Null fields take the engine's defaults.
 */
public record KvCompression(String method, Integer budget, Double ratio, String unit, Integer window, Integer pool, Integer sinkTokens) {

    /** The uncompressed cache. */
    public static final KvCompression FULL = new KvCompression("full", null, null, null, null, null, null);

    public boolean compresses() { return !method.equals("full"); }

    /**
     * Reads {@code kv_compression} (absent or null: the full cache); {@code methods} are the names the engine
     * knows. Every bad value is a 400 naming the field.
     */
    static KvCompression parse(JsonNode request, List<String> methods) {
        if (!Fields.present(request, "kv_compression")) return FULL;
        JsonNode n = request.get("kv_compression");
        if (!n.isObject()) throw ApiException.badRequest("kv_compression", "kv_compression must be an object such as {\"method\": \"compresskv\", \"budget\": 128}");
        String method = Fields.string(n, "method", "kv_compression.method", null);
        if (method == null) throw ApiException.badRequest("kv_compression.method", "kv_compression.method is required; one of " + String.join(", ", methods));
        method = method.strip().toLowerCase(Locale.ROOT);
        if (!methods.contains(method)) {
            throw ApiException.badRequest("kv_compression.method", "unknown kv_compression.method '" + method + "'; valid: " + String.join(", ", methods));
        }
        Integer budget = Fields.integer(n, "budget", "kv_compression.budget", null, 1, Integer.MAX_VALUE);
        Double ratio = Fields.number(n, "ratio", "kv_compression.ratio", null, 0, 1, false);
        if (ratio != null && ratio >= 1) throw ApiException.badRequest("kv_compression.ratio", "kv_compression.ratio is the fraction removed, in [0, 1), got " + ratio);
        String unit = Fields.string(n, "unit", "kv_compression.unit", null);
        Integer window = Fields.integer(n, "window", "kv_compression.window", null, 0, 4096);
        Integer pool = Fields.integer(n, "pool", "kv_compression.pool", null, 1, 255);
        Integer sinks = Fields.integer(n, "sink_tokens", "kv_compression.sink_tokens", null, 0, 4096);
        if (budget != null && ratio != null) throw ApiException.badRequest("kv_compression.ratio", "give kv_compression.budget or kv_compression.ratio, not both");
        boolean full = method.equals("full");
        if (full && (budget != null || ratio != null)) {
            throw ApiException.badRequest("kv_compression.method", "kv_compression.budget/ratio need a method other than full");
        }
        if (!full && budget == null && ratio == null) {
            throw ApiException.badRequest("kv_compression.budget", "kv_compression.method " + method + " needs kv_compression.budget or kv_compression.ratio");
        }
        return full ? FULL : new KvCompression(method, budget, ratio, unit == null ? null : unit.strip().toLowerCase(Locale.ROOT), window, pool, sinks);
    }

    /** A short label for logs and usage, e.g. {@code compresskv budget=128 unit=sentence}. */
    public String label() {
        if (!compresses()) return "full";
        StringBuilder b = new StringBuilder(method);
        if (budget != null) b.append(" budget=").append(budget);
        if (ratio != null) b.append(" ratio=").append(ratio);
        if (unit != null) b.append(" unit=").append(unit);
        if (window != null) b.append(" window=").append(window);
        if (pool != null) b.append(" pool=").append(pool);
        if (sinkTokens != null) b.append(" sink_tokens=").append(sinkTokens);
        return b.toString();
    }
}
