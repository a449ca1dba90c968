package io.github.compresskv.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Every path of the server: authentication, dispatch, the small endpoints (models, health, metrics, the page), and
 * one place that turns an {@link ApiException} into its OpenAI error response and counts every answer.
 */
final class Routes implements HttpHandler {
    /** The page's files (plain HTML/JS in resources, no build step), by path. */
    private static final Map<String, String> PAGE = Map.of("/", "index.html", "/index.html", "index.html", "/app.js", "app.js");

    private final String modelId;
    private final ServedModel info;
    private final byte[] apiKey;
    private final CompletionsEndpoint completions;
    private final ContextsEndpoint contexts;
    private final Metrics metrics;
    private final Metrics.Gauges gauges;
    private final ObjectNode health;
    private final long drainMillis;

    Routes(ServedModel info, String apiKey, CompletionsEndpoint completions, ContextsEndpoint contexts, Metrics metrics,
           Metrics.Gauges gauges, ObjectNode health, long drainMillis) {
        this.info = info;
        this.modelId = info.id();
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.completions = completions;
        this.contexts = contexts;
        this.metrics = metrics;
        this.gauges = gauges;
        this.health = health;
        this.drainMillis = drainMillis;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String endpoint = path.startsWith("/v1/contexts/") ? "/v1/contexts/{id}" : path;
        int status;
        try {
            status = dispatch(ex, path);
        } catch (ApiException e) {
            status = e.status();
            Http.sendError(ex, e, drainMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
        } catch (RuntimeException e) {
            ApiException a = ApiException.internal("internal error: " + e);
            status = 500;
            Http.sendError(ex, a, drainMillis);
        } finally {
            ex.close();
        }
        if (!PAGE.containsKey(path) && !path.equals("/health") && !path.equals("/metrics") && !path.startsWith("/v1/")) endpoint = "other";
        metrics.request(endpoint, status);
    }

    private int dispatch(HttpExchange ex, String path) throws IOException, InterruptedException {
        String m = ex.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(m, "GET", path);
            Http.sendJson(ex, 200, health);
            return 200;
        }
        if (PAGE.containsKey(path) && m.equals("GET")) return page(ex, PAGE.get(path));
        authenticate(ex);
        switch (path) {
            case "/metrics" -> {
                requireMethod(m, "GET", path);
                Http.sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(gauges));
                return 200;
            }
            case "/v1/models" -> {
                requireMethod(m, "GET", path);
                ObjectNode root = Json.object();
                root.put("object", "list");
                ObjectNode model = root.putArray("data").addObject();
                model.put("id", modelId);
                model.put("object", "model");
                model.put("created", 0);
                model.put("owned_by", "compresskv");
                model.put("context_length", info.contextLength());
                model.put("kv_bytes_per_token", info.kvBytesPerToken());
                var names = model.putArray("kv_compression_methods");
                for (String n : info.methods()) names.add(n);
                Http.sendJson(ex, 200, root);
                return 200;
            }
            case "/v1/chat/completions" -> {
                requireMethod(m, "POST", path);
                return completions.handle(ex, true);
            }
            case "/v1/completions" -> {
                requireMethod(m, "POST", path);
                return completions.handle(ex, false);
            }
            case "/v1/contexts" -> {
                return contexts.handle(ex, null);
            }
            default -> {
                if (path.startsWith("/v1/contexts/") && path.length() > "/v1/contexts/".length()) {
                    return contexts.handle(ex, path.substring("/v1/contexts/".length()));
                }
                throw ApiException.notFound(null, "not_found", "no endpoint " + m + " " + path);
            }
        }
    }

    private void authenticate(HttpExchange ex) {
        if (apiKey == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey)) throw ApiException.unauthorized(); // constant time
    }

    private static void requireMethod(String m, String wanted, String path) {
        if (!m.equals(wanted)) throw ApiException.methodNotAllowed(m, path);
    }

    private static int page(HttpExchange ex, String file) throws IOException {
        try (InputStream in = Routes.class.getResourceAsStream(file)) {
            if (in == null) throw ApiException.notFound(null, "not_found", "the page's " + file + " is missing from the jar");
            String type = file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            Http.send(ex, 200, type, in.readAllBytes());
            return 200;
        }
    }
}
