package io.github.compresskv.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.github.compresskv.api.LoadOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenAI-compatible HTTP server over one model, on the JDK's own HTTP server (docs/server.md says why).
 * HTTP exchanges run on virtual threads; prefill and decode run on {@code parallel} platform threads (the decode
 * slots) fed by a bounded queue, because compute-bound work on virtual threads would hold their few carriers.
 *
 * <p>Read and idle timeouts are the JDK server's {@code sun.net.httpserver.maxReqTime} and {@code idleInterval}
 * properties: JVM-wide, read once when the first server of the JVM starts; set here unless already set.
 */
public final class CompressKvServer implements AutoCloseable {
    private final ServedModel model;
    private final ServerOptions options;
    private final HttpServer http;
    private final ThreadPoolExecutor slots;
    private final ExecutorService handlers;
    private final KvMemory memory;
    private final ContextStore contexts;
    private final PrefixCache prefixes;
    private final CompletionRunner runner;

    private CompressKvServer(ServedModel model, ServerOptions options) throws IOException {
        this.model = model;
        this.options = options;
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "" + options.readTimeoutSeconds()));
        System.setProperty("sun.net.httpserver.idleInterval", System.getProperty("sun.net.httpserver.idleInterval", "" + options.idleTimeoutSeconds()));
        AtomicInteger n = new AtomicInteger();
        this.slots = new ThreadPoolExecutor(options.parallel(), options.parallel(), 0, TimeUnit.SECONDS,
                options.queue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(options.queue()),
                r -> Thread.ofPlatform().daemon().name("compresskv-slot-" + n.incrementAndGet()).unstarted(r));
        this.memory = new KvMemory(options.maxKvBytes());
        this.contexts = new ContextStore();
        this.prefixes = new PrefixCache(memory, options.prefixCacheEntries(), 32);
        Metrics metrics = new Metrics();
        this.runner = new CompletionRunner(model, memory, prefixes, contexts, metrics, slots);
        List<String> methods = model.methods();
        Metrics.Gauges gauges = new Metrics.Gauges(this::liveKvBytes, runner::liveBytes, memory::used, memory::limit, () -> slots.getQueue().size(),
                slots::getActiveCount, contexts::size, prefixes::size);
        ObjectNode health = Json.object().put("status", "ok").put("model", model.id());
        Routes routes = new Routes(model, options.apiKey(),
                new CompletionsEndpoint(runner, model.id(), methods, options.maxBodyBytes()),
                new ContextsEndpoint(model, contexts, memory, metrics, slots, methods, options.maxBodyBytes()), metrics, gauges, health,
                options.readTimeoutSeconds() * 1000L);
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        http.createContext("/", routes);
        http.setExecutor(handlers);
    }

    /** Loads the model and starts serving; close to stop. */
    public static CompressKvServer start(Path modelPath, LoadOptions load, ServerOptions options) throws IOException {
        ServedModel model = ServedModel.load(modelPath, load);
        try {
            CompressKvServer s = new CompressKvServer(model, options);
            s.http.start();
            return s;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The port the server listens on (the one chosen when the options said 0). */
    public int port() { return http.getAddress().getPort(); }

    public String host() { return options.host(); }

    public String modelId() { return model.id(); }

    public String modelSummary() { return model.description(); }

    public long kvBytesPerToken() { return model.kvBytesPerToken(); }

    /** KV bytes held now: running requests, stored contexts and cached prefixes. */
    public long liveKvBytes() { return runner.liveBytes() + contexts.bytes() + prefixes.bytes(); }

    /** KV bytes reserved against {@code --max-kv-mib} now. */
    public long reservedKvBytes() { return memory.used(); }

    /** Requests running now. */
    public int activeRequests() { return slots.getActiveCount(); }

    /** Requests waiting for a slot now. */
    public int queuedRequests() { return slots.getQueue().size(); }

    /** KV bytes of the requests running now (contexts and cached prefixes not counted). */
    public long requestKvBytes() { return runner.liveBytes(); }

    /** Drops every cached prefix (contexts stay). */
    public void clearPrefixCache() { prefixes.clear(); }

    @Override
    public void close() {
        http.stop(0);
        slots.shutdownNow();
        handlers.shutdownNow();
        contexts.clear();
        prefixes.clear();
        model.close();
    }
}
