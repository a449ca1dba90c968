package io.github.compresskv.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Reading bodies within the size limit and writing JSON, text and errors on the JDK's {@link HttpExchange}. */
final class Http {
    private Http() {}

    /** The request body as JSON; 413 beyond {@code limit} bytes, 400 when it is not JSON. */
    static JsonNode readJson(HttpExchange ex, long limit) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.strip()) > limit) throw ApiException.tooLarge(limit);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "bad Content-Length header");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (body.length > limit) throw ApiException.tooLarge(limit);
        if (body.length == 0) throw ApiException.badRequest(null, "the request body is empty; a JSON object is expected");
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean hasBody(HttpExchange ex) {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        return ex.getRequestHeaders().containsKey("Transfer-Encoding") || (len != null && !len.strip().equals("0"));
    }

    static void sendJson(HttpExchange ex, int status, JsonNode node) throws IOException {
        send(ex, status, "application/json", Json.MAPPER.writeValueAsBytes(node));
    }

    /**
     * The error as JSON. When the request has a body that may be unread, the answer says {@code Connection: close}
     * and goes out first; then the rest of the body is read and dropped (at most {@link #DRAIN_LIMIT} bytes for at
     * most {@code drainMillis}) before the socket closes.
     */
    static void sendError(HttpExchange ex, ApiException e, long drainMillis) throws IOException {
        if (e.retryAfterSeconds() > 0) ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfterSeconds()));
        // An error may come before the body was read (auth, size, route); the server then drops the connection, and
        // without "Connection: close" a client sends its next request into it and gets a reset instead of an answer.
        if (!hasBody(ex)) {
            sendJson(ex, e.status(), Json.error(e));
            return;
        }
        ex.getResponseHeaders().set("Connection", "close");
        OutputStream out = open(ex, e.status(), "application/json", Json.MAPPER.writeValueAsBytes(Json.error(e)));
        out.flush();
        // Closing a socket with unread bytes makes TCP send a reset, which can destroy the answer before the client
        // has read it; so the answer goes out first and the rest of the body is read and dropped (bounded) before close.
        drain(ex.getRequestBody(), DRAIN_LIMIT, drainMillis);
        try {
            out.close();
        } catch (IOException gone) {
            // the client had the answer and hung up: nothing left to tell it
        }
    }

    /** Bytes of an unread request body that are read and dropped so that an early error reaches the client intact. */
    static final long DRAIN_LIMIT = 64L << 20;

    private static void drain(InputStream in, long limit, long millis) {
        // A client that stops sending would hold this thread; interrupting a thread blocked on the exchange's channel
        // closes the channel, which ends the read.
        Thread reader = Thread.currentThread();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(millis);
                reader.interrupt();
            } catch (InterruptedException done) {
                // drained in time
            }
        });
        byte[] buf = new byte[64 << 10];
        long left = limit;
        try {
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) left -= n;
        } catch (IOException gone) {
            // the client closed its side after reading the answer, or the time ran out
        } finally {
            watchdog.interrupt();
            boolean joined = false;
            while (!joined) {
                try {
                    watchdog.join();
                    joined = true;
                } catch (InterruptedException late) {
                    // the watchdog fired just as the body ended: wait for it all the same
                }
            }
            Thread.interrupted();
        }
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        open(ex, status, contentType, body).close();
    }

    /** Sends the status, headers and body, and returns the response stream still open (closing it ends the exchange). */
    private static OutputStream open(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        OutputStream out = ex.getResponseBody();
        out.write(body);
        return out;
    }

    static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        send(ex, status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }
}
