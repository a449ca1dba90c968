package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sampling and stopping fields of a completion request, with the OpenAI API's defaults (temperature 1,
 * top_p 1, a random seed when none is given). {@code ignoreEos} is llama.cpp's extension: generate until
 * max_tokens or a stop string even past end-of-generation tokens (load tests).
 */
public record GenerationParams(int maxTokens, double temperature, double topP, long seed, List<String> stop,
                               boolean stream, boolean includeUsage, boolean ignoreEos) {

    static final int DEFAULT_MAX_TOKENS = 256;

    static GenerationParams parse(JsonNode r) {
        Integer maxTokens = Fields.integer(r, "max_completion_tokens", "max_completion_tokens", null, 1, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = Fields.integer(r, "max_tokens", "max_tokens", DEFAULT_MAX_TOKENS, 1, Integer.MAX_VALUE);
        double temperature = Fields.number(r, "temperature", "temperature", 1.0, 0, 2, false);
        double topP = Fields.number(r, "top_p", "top_p", 1.0, 0, 1, true);
        Long seed = Fields.longValue(r, "seed", "seed", null);
        Integer n = Fields.integer(r, "n", "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) throw ApiException.badRequest("n", "n must be 1 (one choice per request), got " + n);
        List<String> stop = new ArrayList<>();
        if (Fields.present(r, "stop")) {
            JsonNode s = r.get("stop");
            if (s.isTextual()) stop.add(s.asText());
            else if (s.isArray() && s.size() <= 4) {
                for (JsonNode e : s) {
                    if (!e.isTextual()) throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
                    stop.add(e.asText());
                }
            } else throw ApiException.badRequest("stop", "stop must be a string or an array of up to 4 strings");
            for (String e : stop) if (e.isEmpty()) throw ApiException.badRequest("stop", "stop strings must not be empty");
        }
        boolean stream = Fields.bool(r, "stream", "stream", false);
        boolean includeUsage = false;
        if (Fields.present(r, "stream_options")) {
            JsonNode so = r.get("stream_options");
            if (!so.isObject()) throw ApiException.badRequest("stream_options", "stream_options must be an object");
            includeUsage = Fields.bool(so, "include_usage", "stream_options.include_usage", false);
        }
        boolean ignoreEos = Fields.bool(r, "ignore_eos", "ignore_eos", false);
        return new GenerationParams(maxTokens, temperature, topP, seed != null ? seed : ThreadLocalRandom.current().nextLong(),
                List.copyOf(stop), stream, includeUsage, ignoreEos);
    }

    public boolean greedy() { return temperature == 0; }
}
