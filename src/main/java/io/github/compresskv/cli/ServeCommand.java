package io.github.compresskv.cli;

import io.github.compresskv.api.LoadOptions;
import io.github.compresskv.server.CompressKvServer;
import io.github.compresskv.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code compresskv serve}: the OpenAI-compatible HTTP server (docs/server.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over an OpenAI-compatible HTTP API whose KV cache each request may compress.",
                "Endpoints: /v1/models, /v1/chat/completions, /v1/completions, /v1/contexts, /health, /metrics, and a page at /."})
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1", description = "Requests that decode at the same time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "16",
            description = "Requests that may wait for a slot; beyond them the server answers 429 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-kv-mib", paramLabel = "M",
            description = "KV-cache memory of all requests, contexts and cached prompts together; a request that cannot fit gets 503"
                    + " (default: a quarter of the maximum heap).")
    Long maxKvMib;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every endpoint but /health and the page's files (default: the"
                    + " COMPRESSKV_API_KEY environment variable, else none).")
    String apiKey;

    @Option(names = "--max-body-kib", paramLabel = "K", defaultValue = "4096", description = "Request body limit, KiB (default: ${DEFAULT-VALUE}).")
    long maxBodyKib;

    @Option(names = "--read-timeout", paramLabel = "S", defaultValue = "30", description = "Seconds allowed to send a whole request (default: ${DEFAULT-VALUE}).")
    int readTimeout;

    @Option(names = "--idle-timeout", paramLabel = "S", defaultValue = "30", description = "Seconds an idle kept-alive connection stays open (default: ${DEFAULT-VALUE}).")
    int idleTimeout;

    @Option(names = "--prefix-cache", paramLabel = "N", defaultValue = "16",
            description = "Prompt caches kept for requests that extend them, least recently used out first (default: ${DEFAULT-VALUE}; 0 = off).")
    int prefixCache;

    private LoadOptions loadOptions() {
        LoadOptions o = LoadOptions.defaults().kvType(modelOptions.kvType.name().toLowerCase(Locale.ROOT));
        return modelOptions.threads == null ? o : o.threads(modelOptions.threads);
    }

    @Override
    public Integer call() throws Exception {
        long maxKv = maxKvMib != null ? maxKvMib << 20 : Runtime.getRuntime().maxMemory() / 4;
        if (maxKvMib != null && maxKvMib < 1) throw new IllegalArgumentException("--max-kv-mib must be >= 1, got " + maxKvMib);
        if (maxKvMib != null && maxKv > Runtime.getRuntime().maxMemory() * 3 / 4) {
            throw new IllegalArgumentException("--max-kv-mib " + maxKvMib + " exceeds 3/4 of the maximum heap (" + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB); raise -Xmx through COMPRESSKV_JAVA_OPTS or lower --max-kv-mib");
        }
        String key = apiKey != null ? apiKey : System.getenv("COMPRESSKV_API_KEY");
        ServerOptions options = new ServerOptions(host, port, parallel, queue, maxKv, key, maxBodyKib << 10, readTimeout, idleTimeout, prefixCache);
        CompressKvServer server = CompressKvServer.start(modelOptions.modelPath(), loadOptions(), options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.err.printf(Locale.ROOT, "serving %s (%s)%nhttp://%s:%d/  (OpenAI API under /v1; %d slot%s, queue %d, KV limit %d MiB%s)%n",
                server.modelId(), server.modelSummary(), host, server.port(), parallel, parallel == 1 ? "" : "s", queue, maxKv >> 20,
                key != null ? ", API key required" : "");
        stopped.await();
        return 0;
    }
}
