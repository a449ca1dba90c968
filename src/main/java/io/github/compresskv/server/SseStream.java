package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response: {@code data: <json>} events, flushed one by one, ending with {@code data: [DONE]}.
 * A write that fails means the client went away (the caller cancels the generation).
 */
final class SseStream implements AutoCloseable {
    private final OutputStream out;

    SseStream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0); // chunked
        this.out = ex.getResponseBody();
    }

    void send(JsonNode event) throws IOException {
        write("data: " + Json.MAPPER.writeValueAsString(event) + "\n\n");
    }

    void done() throws IOException { write("data: [DONE]\n\n"); }

    private void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException { out.close(); }
}
