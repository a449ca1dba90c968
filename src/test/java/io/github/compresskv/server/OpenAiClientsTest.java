package io.github.compresskv.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server through real clients, as applications would use it: the official OpenAI Java SDK and LangChain4j's
 * OpenAiChatModel / OpenAiStreamingChatModel, non-streaming and streaming, with an API key and the
 * {@code kv_compression} extension field. Greedy answers of the same prompt agree between the two routes.
 */
class OpenAiClientsTest {
    static final String KEY = "sk-local-test";
    static CompressKvServer server;
    static OpenAIClient openai;

    @BeforeAll
    static void start() throws IOException {
        server = TestServers.start(TestServers.options(2, 4).withApiKey(KEY));
        openai = OpenAIOkHttpClient.builder().baseUrl(TestServers.base(server) + "/v1").apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        openai.close();
        server.close();
    }

    static ChatCompletionCreateParams chat(String user) {
        return ChatCompletionCreateParams.builder().model("compresskv-tiny").addUserMessage(user).maxCompletionTokens(12).temperature(0.0).build();
    }

    @Test
    void openAiSdkChatNonStreamingAndStreamingAgree() {
        ChatCompletion c = openai.chat().completions().create(chat("Tell me about the pond."));
        String whole = c.choices().get(0).message().content().orElseThrow();
        assertFalse(whole.isBlank());
        assertEquals(12, c.usage().orElseThrow().completionTokens());
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = openai.chat().completions().createStreaming(chat("Tell me about the pond."))) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(whole, streamed.toString());
    }

    @Test
    void openAiSdkCompletionWithCompression() {
        String prompt = "The pond was quiet in the morning. The lantern stood near the river. ".repeat(12) + "Where was the lantern?";
        CompletionCreateParams p = CompletionCreateParams.builder().model("compresskv-tiny").prompt(prompt).maxTokens(8).temperature(0.0)
                .putAdditionalBodyProperty("kv_compression", JsonValue.from(Map.of("method", "snapkv", "budget", 32, "unit", "sentence")))
                .build();
        Completion c = openai.completions().create(p);
        assertFalse(c.choices().get(0).text().isEmpty());
        Map<String, JsonValue> extra = c.usage().orElseThrow()._additionalProperties();
        long full = ((Number) extra.get("kv_full_bytes").asNumber().orElseThrow()).longValue();
        long kept = ((Number) extra.get("kv_kept_bytes").asNumber().orElseThrow()).longValue();
        assertTrue(kept < full / 3, "kept " + kept + " of " + full);
        assertEquals("snapkv budget=32 unit=sentence", extra.get("kv_compression").asString().orElseThrow());
    }

    @Test
    void langChain4jChatModelAndStreamingChatModel() throws Exception {
        String base = TestServers.base(server) + "/v1";
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base).apiKey(KEY).modelName("compresskv-tiny")
                .temperature(0.0).maxTokens(10).build();
        String whole = model.chat("What is on the shore of Walden Pond?");
        assertFalse(whole.isBlank());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey(KEY).modelName("compresskv-tiny")
                .temperature(0.0).maxTokens(10).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("What is on the shore of Walden Pond?", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) { pieces.append(partial); }

            @Override
            public void onCompleteResponse(ChatResponse response) { done.complete(response); }

            @Override
            public void onError(Throwable error) { done.completeExceptionally(error); }
        });
        ChatResponse r = done.get(2, TimeUnit.MINUTES);
        assertEquals(whole, pieces.toString());
        assertEquals(whole, r.aiMessage().text());
        assertEquals(10, r.tokenUsage().outputTokenCount());
    }
}
