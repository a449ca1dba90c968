package io.github.compresskv.server;

/**
 * How the server listens and what it allows.
 *
 * @param host address to bind (127.0.0.1 unless told otherwise)
 * @param port TCP port (0: any free port)
 * @param parallel requests that decode at the same time (decode slots)
 * @param queue requests that may wait for a slot; beyond them, 429
 * @param maxKvBytes KV-cache bytes of all requests, contexts and cached prefixes together; beyond, 503
 * @param apiKey when not null, every endpoint but /health and the page's static files needs {@code Authorization: Bearer <key>}
 * @param maxBodyBytes request body limit (413 beyond)
 * @param readTimeoutSeconds time allowed to send a whole request
 * @param idleTimeoutSeconds time a kept-alive connection may stay idle
 * @param prefixCacheEntries prompt states kept for reuse (0: off)
 */
public record ServerOptions(String host, int port, int parallel, int queue, long maxKvBytes, String apiKey, long maxBodyBytes,
                            int readTimeoutSeconds, int idleTimeoutSeconds, int prefixCacheEntries) {

    public ServerOptions {
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (queue < 0) throw new IllegalArgumentException("--queue must be >= 0, got " + queue);
        if (maxKvBytes < 1) throw new IllegalArgumentException("--max-kv-mib must be positive, got " + maxKvBytes + " bytes");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("--api-key must not be empty");
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("the body limit must be at least 1 KiB, got " + maxBodyBytes);
        if (readTimeoutSeconds < 1 || idleTimeoutSeconds < 1) throw new IllegalArgumentException("timeouts must be >= 1 s");
        if (prefixCacheEntries < 0) throw new IllegalArgumentException("--prefix-cache must be >= 0, got " + prefixCacheEntries);
    }

    /** Loopback, port 8080, one slot, a queue of 16, 4 MiB bodies, 30 s timeouts, 16 cached prefixes. */
    public static ServerOptions defaults(long maxKvBytes) {
        return new ServerOptions("127.0.0.1", 8080, 1, 16, maxKvBytes, null, 4L << 20, 30, 30, 16);
    }

    public ServerOptions withPort(int p) { return new ServerOptions(host, p, parallel, queue, maxKvBytes, apiKey, maxBodyBytes, readTimeoutSeconds, idleTimeoutSeconds, prefixCacheEntries); }

    public ServerOptions withParallel(int n, int q) { return new ServerOptions(host, port, n, q, maxKvBytes, apiKey, maxBodyBytes, readTimeoutSeconds, idleTimeoutSeconds, prefixCacheEntries); }

    public ServerOptions withApiKey(String k) { return new ServerOptions(host, port, parallel, queue, maxKvBytes, k, maxBodyBytes, readTimeoutSeconds, idleTimeoutSeconds, prefixCacheEntries); }

    public ServerOptions withMaxKvBytes(long b) { return new ServerOptions(host, port, parallel, queue, b, apiKey, maxBodyBytes, readTimeoutSeconds, idleTimeoutSeconds, prefixCacheEntries); }

    public ServerOptions withMaxBodyBytes(long b) { return new ServerOptions(host, port, parallel, queue, maxKvBytes, apiKey, b, readTimeoutSeconds, idleTimeoutSeconds, prefixCacheEntries); }

    public ServerOptions withPrefixCache(int n) { return new ServerOptions(host, port, parallel, queue, maxKvBytes, apiKey, maxBodyBytes, readTimeoutSeconds, idleTimeoutSeconds, n); }
}
