/*
 * A bounded load test of `compresskv serve` on loopback (not part of ./run-tests): starts the server as a child
 * process, runs C concurrent clients x R requests each with mixed compression settings (full, snapkv, compresskv with
 * sentences, streamingllm, a shared compressed context; half of them streamed), honours 429 + Retry-After, and prints
 * a Markdown table: p50/p99 latency, tokens/s, errors, 429s, peak RSS of the server, KV bytes at the end.
 *
 *   tools/serve-load-test [--clients 16] [--requests 50] [--parallel 4] [--queue 8] [--max-kv-mib 256] [--max-tokens 16]
 *
 * Plain JDK (HttpClient); run with the source launcher by tools/serve-load-test.
 */
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class ServeLoadTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>(Map.of("--clients", "16", "--requests", "50", "--parallel", "4", "--queue", "8",
                "--max-kv-mib", "256", "--max-tokens", "16", "--port", "18089"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!a.containsKey(args[i])) throw new IllegalArgumentException("unknown flag " + args[i] + "; flags: " + a.keySet());
            a.put(args[i], args[i + 1]);
        }
        int clients = Integer.parseInt(a.get("--clients")), requests = Integer.parseInt(a.get("--requests"));
        int maxTokens = Integer.parseInt(a.get("--max-tokens"));
        String base = "http://127.0.0.1:" + a.get("--port");
        Path root = Path.of(System.getProperty("user.dir"));
        Process server = new ProcessBuilder(root.resolve("compresskv").toString(), "serve", "--port", a.get("--port"),
                "--parallel", a.get("--parallel"), "--queue", a.get("--queue"), "--max-kv-mib", a.get("--max-kv-mib"))
                .redirectErrorStream(true).redirectOutput(root.resolve("target/serve-load-test.log").toFile()).start();
        try {
            waitHealthy(base, server);
            String text = Files.readString(root.resolve("examples/needle-walden-4k.txt"));
            String doc = text.substring(0, text.indexOf("</book>.") + 8);
            String question = text.substring(text.indexOf("</book>.") + 8);
            String ctx = post(base + "/v1/contexts", "{\"document\": " + quote(doc.substring(0, 6000)) + ", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 64}}").body();
            String ctxId = field(ctx, "id");
            String[] settings = {"", ", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 64}",
                    ", \"kv_compression\": {\"method\": \"compresskv\", \"budget\": 128, \"unit\": \"sentence\"}",
                    ", \"kv_compression\": {\"method\": \"streamingllm\", \"budget\": 64}", "CONTEXT"};
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            LongAdder tokens = new LongAdder(), errors = new LongAdder(), retries429 = new LongAdder();
            Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
            AtomicLong peakRss = new AtomicLong();
            Thread rss = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    peakRss.accumulateAndGet(rssBytes(server.pid()), Math::max);
                    try { Thread.sleep(200); } catch (InterruptedException e) { return; }
                }
            });
            CountDownLatch done = new CountDownLatch(clients);
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                Thread.ofPlatform().start(() -> {
                    try {
                        for (int r = 0; r < requests; r++) {
                            int k = client * requests + r;
                            String s = settings[k % settings.length];
                            boolean stream = (k / settings.length) % 2 == 1;
                            int start = (k * 997) % 4000, len = 300 + (k * 131) % 1500; // 300-1800 characters: about 70-400 tokens
                            String body;
                            if (s.equals("CONTEXT")) {
                                body = "{\"prompt\": " + quote(question) + ", \"context_id\": \"" + ctxId + "\"";
                            } else {
                                body = "{\"prompt\": " + quote(doc.substring(start, start + len) + question) + s;
                            }
                            body += ", \"max_tokens\": " + maxTokens + ", \"temperature\": 0.7, \"seed\": " + k + ", \"ignore_eos\": true"
                                    + (stream ? ", \"stream\": true, \"stream_options\": {\"include_usage\": true}" : "") + "}";
                            long q0 = System.nanoTime();
                            while (true) {
                                HttpResponse<String> resp = post(base + "/v1/completions", body);
                                if (resp.statusCode() == 429) {
                                    retries429.increment();
                                    Thread.sleep(1000L * Integer.parseInt(resp.headers().firstValue("Retry-After").orElse("1")));
                                    continue;
                                }
                                if (resp.statusCode() != 200 || resp.body().contains("\"error\"")) {
                                    errors.increment();
                                    errorKinds.computeIfAbsent(resp.statusCode() + "", x -> new LongAdder()).increment();
                                } else {
                                    Matcher m = COMPLETION_TOKENS.matcher(resp.body());
                                    if (m.find()) tokens.add(Long.parseLong(m.group(1)));
                                }
                                break;
                            }
                            latencies.add(System.nanoTime() - q0);
                        }
                    } catch (Exception e) {
                        errors.increment();
                        errorKinds.computeIfAbsent(e.toString(), x -> new LongAdder()).increment();
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            double wall = (System.nanoTime() - t0) / 1e9;
            HttpResponse<String> del = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/contexts/" + ctxId)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(300);
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            rss.interrupt();
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.out.printf(Locale.ROOT, "%n| clients x requests | slots / queue | requests | p50 latency | p99 latency | completion tok/s | errors | 429 (retried) | peak RSS | KV of requests at end | KV held at end (cached prompts) |%n");
            System.out.printf(Locale.ROOT, "|---|---|---|---|---|---|---|---|---|---|---|%n");
            System.out.printf(Locale.ROOT, "| %d x %d | %s / %s | %d | %.0f ms | %.0f ms | %.1f | %d %s | %d | %.0f MiB | %s B | %s B (%s) |%n",
                    clients, requests, a.get("--parallel"), a.get("--queue"), sorted.size(), pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6,
                    tokens.sum() / wall, errors.sum(), errorKinds.isEmpty() ? "" : errorKinds.toString(), retries429.sum(), peakRss.get() / 1048576.0,
                    metric(metrics, "compresskv_kv_request_bytes"), metric(metrics, "compresskv_kv_live_bytes"),
                    metric(metrics, "compresskv_prefix_cache_entries") + " entries");
            System.out.printf(Locale.ROOT, "wall %.1f s; context deleted: %d; reserved KV at end %s B; cancelled %s%n", wall, del.statusCode(),
                    metric(metrics, "compresskv_kv_reserved_bytes"), metric(metrics, "compresskv_cancelled_total"));
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    static HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void waitHealthy(String base, Process server) throws Exception {
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < until) {
            if (!server.isAlive()) throw new IllegalStateException("the server exited; see target/serve-load-test.log");
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) return;
            } catch (IOException e) { /* not listening yet */ }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the server did not become healthy in 5 minutes");
    }

    static long rssBytes(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                // VmHWM is the peak resident set; the launcher script execs java, so the pid is the JVM's
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) { /* process gone */ }
        return 0;
    }

    static double pct(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    static String metric(String metrics, String name) {
        for (String l : metrics.split("\n")) if (l.startsWith(name + " ")) return l.substring(name.length() + 1);
        return "?";
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + name + " in " + json);
        return m.group(1);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> { if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c); }
            }
        }
        return b.append('"').toString();
    }
}
