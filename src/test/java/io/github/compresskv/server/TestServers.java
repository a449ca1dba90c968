package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.api.LoadOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Starts servers on the embedded model on a free loopback port, and plain HTTP calls for the tests. */
final class TestServers {
    static final Path MODEL = Path.of("models/compresskv-tiny.gguf");
    static final ObjectMapper JSON = new ObjectMapper();

    private TestServers() {}

    static CompressKvServer start(ServerOptions options) throws IOException {
        return CompressKvServer.start(MODEL, LoadOptions.defaults(), options.withPort(0));
    }

    /** Loopback, any port, the given slots and queue, 256 MiB of KV, no key. */
    static ServerOptions options(int parallel, int queue) {
        return ServerOptions.defaults(256L << 20).withParallel(parallel, queue);
    }

    static String base(CompressKvServer s) { return "http://127.0.0.1:" + s.port(); }

    /** A plain call: method, path, JSON body (or null), bearer key (or null). */
    static HttpResponse<String> call(CompressKvServer s, String method, String path, String body, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(s) + path)).timeout(Duration.ofMinutes(3))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException { return JSON.readTree(r.body()); }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
}
