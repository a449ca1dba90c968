package io.github.compresskv.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request bodies to typed requests: OpenAI's defaults, the extension fields, and a 400 naming each bad field. */
class RequestParsingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> METHODS = List.of("full", "snapkv", "compresskv");

    static CompletionRequest chat(String json) throws Exception { return CompletionRequest.parseChat(JSON.readTree(json), METHODS); }

    static String badParam(String json) {
        ApiException e = assertThrows(ApiException.class, () -> chat(json));
        assertEquals(400, e.status());
        return e.param();
    }

    @Test
    void defaultsAndExtensions() throws Exception {
        CompletionRequest r = chat("""
                {"model": "m", "messages": [{"role": "developer", "content": "be brief"},
                 {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
                 "max_completion_tokens": 7, "stop": "\\n", "seed": 3, "stream": true, "stream_options": {"include_usage": true},
                 "kv_compression": {"method": "SnapKV", "budget": 64, "unit": "sentence"}, "context_id": "ctx-1", "logit_bias": {}}""");
        assertEquals("system", r.messages().get(0).role());
        assertEquals("ab", r.messages().get(1).content());
        assertEquals(7, r.params().maxTokens());
        assertEquals(List.of("\n"), r.params().stop());
        assertTrue(r.params().stream() && r.params().includeUsage());
        assertEquals(1.0, r.params().temperature(), "OpenAI's default temperature");
        assertEquals(new KvCompression("snapkv", 64, null, "sentence", null, null, null), r.compression());
        assertEquals("snapkv budget=64 unit=sentence", r.compression().label());
        assertEquals("ctx-1", r.contextId());
        CompletionRequest plain = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        assertFalse(plain.compression().compresses());
        assertEquals(GenerationParams.DEFAULT_MAX_TOKENS, plain.params().maxTokens());
    }

    @Test
    void eachBadFieldIsNamed() {
        String m = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";
        assertEquals("messages", badParam("{\"messages\": \"hi\"}"));
        assertEquals("messages[0].role", badParam("{\"messages\": [{\"content\": \"x\"}]}"));
        assertEquals("messages[0].content[0]", badParam("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}"));
        assertEquals("top_p", badParam("{" + m + ", \"top_p\": 0}"));
        assertEquals("n", badParam("{" + m + ", \"n\": 2}"));
        assertEquals("seed", badParam("{" + m + ", \"seed\": \"x\"}"));
        assertEquals("stream", badParam("{" + m + ", \"stream\": \"yes\"}"));
        assertEquals("stop", badParam("{" + m + ", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}"));
        assertEquals("kv_compression", badParam("{" + m + ", \"kv_compression\": \"snapkv\"}"));
        assertEquals("kv_compression.method", badParam("{" + m + ", \"kv_compression\": {\"budget\": 64}}"));
        assertEquals("kv_compression.ratio", badParam("{" + m + ", \"kv_compression\": {\"method\": \"snapkv\", \"ratio\": 1.5}}"));
        assertEquals("kv_compression.ratio", badParam("{" + m + ", \"kv_compression\": {\"method\": \"snapkv\", \"ratio\": 0.5, \"budget\": 9}}"));
        assertEquals("kv_compression.budget", badParam("{" + m + ", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": -1}}"));
        assertEquals("kv_compression.method", badParam("{" + m + ", \"kv_compression\": {\"method\": \"full\", \"budget\": 64}}"));
        assertEquals("kv_compression.sink_tokens", badParam("{" + m + ", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 64, \"sink_tokens\": -1}}"));
        assertEquals("context_id", badParam("{" + m + ", \"context_id\": 5}"));
    }
}
