package io.github.compresskv.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The OpenAI wire shapes of completion answers: {@code chat.completion}, {@code chat.completion.chunk} and
 * {@code text_completion}, with this server's additions ({@code usage.kv_*}, {@code timings}).
 */
final class Responses {
    private final String id;
    private final boolean chat;
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;

    Responses(boolean chat, String model) {
        this.chat = chat;
        this.model = model;
        this.id = (chat ? "chatcmpl-" : "cmpl-") + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** The whole answer of a non-streaming request. */
    ObjectNode complete(String text, Job.Done done) {
        ObjectNode root = head(chat ? "chat.completion" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode m = choice.putObject("message");
            m.put("role", "assistant");
            m.put("content", text);
            m.putNull("refusal");
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", done.finishReason());
        usage(root, done.usage());
        return root;
    }

    /** A streamed piece: the role first (chat), then text, then the finish reason. */
    ObjectNode chunk(String role, String text, String finishReason) {
        ObjectNode root = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode d = choice.putObject("delta");
            if (role != null) d.put("role", role);
            if (text != null) d.put("content", text);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
        return root;
    }

    /** The last streamed event with {@code stream_options.include_usage}: no choices, the usage. */
    ObjectNode usageChunk(Job.Usage u) {
        ObjectNode root = head(chat ? "chat.completion.chunk" : "text_completion");
        root.putArray("choices");
        usage(root, u);
        return root;
    }

    private ObjectNode head(String object) {
        ObjectNode root = Json.object();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.putNull("system_fingerprint");
        return root;
    }

    private static void usage(ObjectNode root, Job.Usage u) {
        ObjectNode us = root.putObject("usage");
        us.put("prompt_tokens", u.promptTokens());
        us.put("completion_tokens", u.completionTokens());
        us.put("total_tokens", u.promptTokens() + u.completionTokens());
        us.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        us.put("kv_full_bytes", u.kvFullBytes());
        us.put("kv_kept_bytes", u.kvKeptBytes());
        us.put("kv_compression", u.kvMethod());
        ObjectNode t = root.putObject("timings");
        t.put("prompt_tokens_prefilled", u.promptTokens() - u.cachedTokens());
        t.put("prefill_ms", round(u.prefillMs()));
        t.put("compress_ms", round(u.compressMs()));
        t.put("decode_ms", round(u.decodeMs()));
        t.put("decode_tokens_per_second", u.decodeMs() > 0 ? round(u.completionTokens() / (u.decodeMs() / 1000)) : 0);
        int prefilled = u.promptTokens() - u.cachedTokens();
        t.put("prefill_tokens_per_second", u.prefillMs() > 0 ? round(prefilled / (u.prefillMs() / 1000)) : 0);
    }

    private static double round(double v) { return Math.round(v * 100) / 100.0; }
}
