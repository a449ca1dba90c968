package io.github.compresskv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: checks the request here, runs it on a decode
 * slot ({@link CompletionRunner}) and answers with one JSON body or a server-sent-event stream. Errors found before
 * the first token (400, 404, 429, 503) are plain OpenAI error responses; once streaming, an error is an event.
 */
final class CompletionsEndpoint {
    private final CompletionRunner runner;
    private final String modelId;
    private final List<String> methods;
    private final long maxBody;

    CompletionsEndpoint(CompletionRunner runner, String modelId, List<String> methods, long maxBody) {
        this.runner = runner;
        this.modelId = modelId;
        this.methods = methods;
        this.maxBody = maxBody;
    }

    /** Answers the exchange; returns the HTTP status sent. */
    int handle(HttpExchange ex, boolean chat) throws IOException, InterruptedException {
        JsonNode body = Http.readJson(ex, maxBody);
        CompletionRequest r = chat ? CompletionRequest.parseChat(body, methods) : CompletionRequest.parseText(body, methods);
        if (r.model() != null && !r.model().isEmpty() && !r.model().equals(modelId)) {
            throw ApiException.notFound("model", "model_not_found", "The model '" + r.model() + "' does not exist; this server serves '" + modelId + "'");
        }
        Job job = runner.submit(runner.plan(r));
        try {
            Job.Event first = job.next();
            if (first instanceof Job.Failed f) throw f.error();
            Responses shapes = new Responses(chat, modelId);
            return r.params().stream() ? stream(ex, job, shapes, r.params(), chat) : whole(ex, job, shapes);
        } finally {
            job.cancel(); // no-op when finished; stops a generation whose client is gone or whose thread was interrupted
        }
    }

    private static int whole(HttpExchange ex, Job job, Responses shapes) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder();
        while (true) {
            switch (job.next()) {
                case Job.Text t -> text.append(t.text());
                case Job.Done d -> {
                    Http.sendJson(ex, 200, shapes.complete(text.toString(), d));
                    return 200;
                }
                case Job.Failed f -> throw f.error();
                case Job.Started s -> { }
            }
        }
    }

    private static int stream(HttpExchange ex, Job job, Responses shapes, GenerationParams p, boolean chat) throws IOException, InterruptedException {
        try (SseStream sse = new SseStream(ex)) {
            if (chat) sse.send(shapes.chunk("assistant", "", null));
            while (true) {
                switch (job.next()) {
                    case Job.Text t -> sse.send(shapes.chunk(null, t.text(), null));
                    case Job.Done d -> {
                        sse.send(shapes.chunk(null, null, d.finishReason()));
                        if (p.includeUsage()) sse.send(shapes.usageChunk(d.usage()));
                        sse.done();
                        return 200;
                    }
                    case Job.Failed f -> {
                        sse.send(Json.error(f.error()));
                        sse.done();
                        return f.error().status();
                    }
                    case Job.Started s -> { }
                }
            }
        } catch (IOException e) {
            job.cancel(); // the client went away: the slot stops at the next token and frees the cache
            return 499;
        }
    }
}
