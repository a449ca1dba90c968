package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code /v1/chat/completions} or {@code /v1/completions} body: chat messages or a prompt text, the
 * generation fields, the {@code kv_compression} field and an optional {@code context_id} (a document compressed
 * before by {@code POST /v1/contexts}, whose cache the request forks).
 */
record CompletionRequest(boolean chat, List<Message> messages, String prompt, String contextId, String model,
                         GenerationParams params, KvCompression compression) {

    /** One chat message. */
    record Message(String role, String content) {}

    static CompletionRequest parseChat(JsonNode body, List<String> methods) {
        requireObject(body);
        JsonNode ms = body.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) throw ApiException.badRequest("messages", "messages must be a non-empty array");
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String path = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.badRequest(path, path + " must be an object with role and content");
            String role = Fields.string(m, "role", path + ".role", null);
            if (role == null) throw ApiException.badRequest(path + ".role", path + ".role is required");
            if (role.equals("developer")) role = "system"; // OpenAI's newer name for the system role
            messages.add(new Message(role, content(m.get("content"), path + ".content")));
        }
        return new CompletionRequest(true, List.copyOf(messages), null, contextId(body), model(body),
                GenerationParams.parse(body), KvCompression.parse(body, methods));
    }

    static CompletionRequest parseText(JsonNode body, List<String> methods) {
        requireObject(body);
        JsonNode p = body.get("prompt");
        String prompt;
        if (p != null && p.isTextual()) prompt = p.asText();
        else if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) prompt = p.get(0).asText();
        else throw ApiException.badRequest("prompt", "prompt must be a string (or an array of one string)");
        return new CompletionRequest(false, List.of(), prompt, contextId(body), model(body),
                GenerationParams.parse(body), KvCompression.parse(body, methods));
    }

    /** Text of a message: a string, or an array of {type: text, text} parts joined. */
    private static String content(JsonNode c, String path) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.badRequest(path + "[" + i + "]", path + "[" + i + "] must be a text part {\"type\": \"text\", \"text\": ...}"
                            + " (this server reads text only)");
                }
                b.append(part.get("text").asText());
            }
            return b.toString();
        }
        throw ApiException.badRequest(path, path + " must be a string or an array of text parts");
    }

    private static String contextId(JsonNode body) { return Fields.string(body, "context_id", "context_id", null); }

    private static String model(JsonNode body) { return Fields.string(body, "model", "model", null); }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
}
