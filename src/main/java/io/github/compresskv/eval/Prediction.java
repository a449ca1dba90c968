package io.github.compresskv.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of {@code predictions.jsonl}: an item answered under one (method, unit, budget). Budget 0 means the full
 * cache (method {@code full}). {@code unit} is the selection unit's label ({@code token} when absent from an older
 * file). {@code kvFraction} is the KV bytes kept after compression over the bytes of the uncompressed prompt.
 */
public record Prediction(String itemId, String task, String method, String unit, int budget, String prediction, double score,
                         double kvFraction, int promptTokens, int generatedTokens, double prefillMs, double decodeMs,
                         Map<String, String> attributes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Prediction {
        attributes = Map.copyOf(attributes);
        if (unit == null || unit.isBlank()) unit = "token";
    }

    /** The variant this line answers: {@code method} or {@code method+unit} (see {@link EvalSettings#variants()}). */
    public String variant() { return EvalSettings.variant(method, unit); }

    /** The (item, variant, budget) this line answers, used to skip finished work on resume. */
    public String key() { return key(itemId, variant(), budget); }

    public static String key(String itemId, String variant, int budget) { return itemId + "\u0000" + variant + "\u0000" + budget; }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", itemId);
        o.put("task", task);
        o.put("method", method);
        o.put("unit", unit);
        o.put("budget", budget);
        o.put("prediction", prediction);
        o.put("score", score);
        o.put("kv_fraction", kvFraction);
        o.put("prompt_tokens", promptTokens);
        o.put("generated_tokens", generatedTokens);
        o.put("prefill_ms", Math.round(prefillMs * 10) / 10.0);
        o.put("decode_ms", Math.round(decodeMs * 10) / 10.0);
        ObjectNode a = o.putObject("attributes");
        new java.util.TreeMap<>(attributes).forEach(a::put);
        return o;
    }

    /** Parses a line written by {@link #toJson}; a missing field is an {@link IllegalArgumentException} naming it. */
    public static Prediction fromJson(JsonNode o) {
        Map<String, String> attrs = new LinkedHashMap<>();
        JsonNode a = o.path("attributes");
        a.fieldNames().forEachRemaining(k -> attrs.put(k, a.get(k).asText()));
        return new Prediction(text(o, "id"), text(o, "task"), text(o, "method"), o.path("unit").asText("token"), required(o, "budget").asInt(),
                text(o, "prediction"), required(o, "score").asDouble(), required(o, "kv_fraction").asDouble(),
                o.path("prompt_tokens").asInt(), o.path("generated_tokens").asInt(), o.path("prefill_ms").asDouble(),
                o.path("decode_ms").asDouble(), attrs);
    }

    private static String text(JsonNode o, String field) { return required(o, field).asText(); }

    private static JsonNode required(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("prediction line lacks the field \"" + field + "\"");
        return v;
    }
}
