package io.github.compresskv.server;

import io.github.compresskv.api.ChatMessage;
import io.github.compresskv.api.Compression;
import io.github.compresskv.api.Context;
import io.github.compresskv.api.LanguageModel;
import io.github.compresskv.api.LoadOptions;
import io.github.compresskv.api.Prompt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The model as the server sees it, through the Java API ({@code io.github.compresskv.api}): its id, request fields
 * turned into prompts and compressions, and the engine's errors turned into 400s naming the request field.
 */
final class ServedModel implements AutoCloseable {
    private final LanguageModel model;
    private final String id;
    private final List<String> methods;

    private ServedModel(LanguageModel model) {
        this.model = model;
        this.id = model.path().getFileName().toString().replaceFirst("\\.gguf$", "");
        this.methods = List.copyOf(Compression.methods().keySet());
    }

    static ServedModel load(Path path, LoadOptions options) { return new ServedModel(LanguageModel.load(path, options)); }

    String id() { return id; }

    String description() { return model.description(); }

    int contextLength() { return model.contextLength(); }

    long kvBytesPerToken() { return model.kvBytesPerToken(); }

    /**
     * Rows a compressing prefill may hold on top of its prompt's: a reconstruction scorer (kvzip) runs one chunk of
     * the context again (up to 2 048 tokens and its repeat prompt) before it evicts.
     */
    private static final int SCORING_ROWS = 2048 + 64;

    /** KV bytes a fresh prefill of {@code tokens} may hold at its peak, before compression shrinks it. */
    long prefillPeakBytes(int tokens, Compression compression) {
        long rows = tokens + (compression.compresses() ? Math.min(tokens, SCORING_ROWS) : 0);
        return rows * kvBytesPerToken();
    }

    /** Names a request may give in {@code kv_compression.method}. */
    List<String> methods() { return methods; }

    Context newContext() { return model.newContext(); }

    /**
     * The tokens of a request's own text: at the start of a context (BOS, chat template) or, with {@code start}
     * false, continuing a stored context (chat messages rendered, no BOS).
     */
    int[] tokens(CompletionRequest r, boolean start) {
        Prompt p;
        if (r.chat()) {
            List<ChatMessage> ms = new ArrayList<>();
            for (var m : r.messages()) ms.add(new ChatMessage(m.role(), m.content()));
            p = start ? Prompt.chat(ms) : Prompt.text(model.renderChat(ms));
        } else {
            p = Prompt.text(r.prompt());
        }
        return model.tokenize(p, start);
    }

    /**
     * A fork of a context that several requests share (a stored context, a cached prefix): the API lets one thread
     * at a time call a context, so forks of the same one take turns; the fork belongs to the caller.
     */
    static Context forkShared(Context shared) {
        synchronized (shared) {
            return shared.fork();
        }
    }

    /** Tokens of a context's document (the start of a sequence). */
    int[] documentTokens(String text) { return model.tokenize(Prompt.text(text), true); }

    /** The API's compression for a request's {@code kv_compression}. */
    Compression compression(KvCompression k) {
        if (!k.compresses()) return Compression.none();
        try {
            Compression c = Compression.method(k.method());
            c = k.budget() != null ? c.budget(k.budget()) : c.ratio(k.ratio());
            if (k.unit() != null) c = c.unit(k.unit());
            if (k.window() != null) c = c.window(k.window());
            if (k.pool() != null) c = c.pool(k.pool());
            if (k.sinkTokens() != null) c = c.sinkTokens(k.sinkTokens());
            return c;
        } catch (RuntimeException e) {
            throw badCompression(e);
        }
    }

    /** An engine error about a compression setting as a 400 naming the {@code kv_compression} field it is about. */
    static ApiException badCompression(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        String l = m.toLowerCase(Locale.ROOT);
        String field = l.contains("sink") ? "sink_tokens" : l.contains("unit") || l.contains("chunk") || l.contains("sentence") ? "unit"
                : l.contains("budget") ? "budget" : l.contains("ratio") ? "ratio" : l.contains("window") ? "window"
                : l.contains("pool") ? "pool" : "method";
        return ApiException.badRequest("kv_compression." + field, "kv_compression." + field + ": " + m);
    }

    @Override
    public void close() { model.close(); }
}
