package io.github.compresskv.server;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.Pooling;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The model behind the server: tokenization, prompt rendering and new sequences ({@link EngineState}). */
final class Engine implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final KvStorage kvType;
    private final String id;
    private final Path path;

    private Engine(Model model, Tokenizer tokenizer, KvStorage kvType, String id, Path path) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.kvType = kvType;
        this.id = id;
        this.path = path;
    }

    static Engine load(Path modelPath, Integer threads, KvStorage kvType) {
        Parallel pool = threads == null ? Parallel.ofDefault() : new Parallel(threads);
        Model model;
        try {
            model = Model.load(ModelSources.open(modelPath), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        String name = modelPath.getFileName().toString().replaceFirst("\\.gguf$", "");
        return new Engine(model, Tokenizers.load(model.source()), kvType, name, modelPath);
    }

    String modelId() { return id; }

    String summary() { return model.config().summary(); }

    int contextLength() { return model.config().contextLength(); }

    long kvBytesPerToken() {
        var c = model.config();
        return (long) c.layers() * c.kvHeads() * c.headDim() * 2 * (kvType == KvStorage.F16 ? 2 : 4);
    }

    /** Methods a request may name in {@code kv_compression.method}. */
    List<String> methods() {
        List<String> names = new ArrayList<>(List.of("full"));
        for (var m : CompressionMethods.all()) if (!m.reconstructs() && !m.name().equals("full")) names.add(m.name());
        return names;
    }

    /** Prompt tokens of a request; {@code start}: the sequence starts here (BOS as the model wants). */
    int[] tokens(CompletionRequest r, boolean start) {
        if (!r.chat()) return tokenizer.encode(r.prompt(), start && tokenizer.addBosByDefault(), true);
        List<ChatTemplate.Message> ms = new ArrayList<>();
        for (var m : r.messages()) ms.add(new ChatTemplate.Message(m.role(), m.content()));
        boolean own = tokenizer.chatTemplate().isPresent();
        String rendered = tokenizer.chatTemplate().orElseGet(ChatTemplate::plainFallback).render(ms, true);
        return tokenizer.encode(rendered, start && !own && tokenizer.addBosByDefault(), true);
    }

    /** Document tokens of a context: the start of a sequence. */
    int[] documentTokens(String text) { return tokenizer.encode(text, tokenizer.addBosByDefault(), true); }

    EngineState newState() { return new EngineState(this, new io.github.compresskv.generate.Session(model, kvType)); }

    /** Checks a compression spec against the method's rules (a 400 naming the field when it cannot run). */
    void validate(CompressionSpec spec) {
        if (!spec.compresses()) return;
        try {
            SelectionUnit u = unit(spec);
            if (!u.isToken()) KvCompressor.requireUnitApplies(CompressionMethods.byName(spec.method()), u);
            if (spec.budget() != null) {
                u.requireFits(spec.budget(), "kv_compression.budget");
                Budget.tokens(spec.budget()).requireAtLeastWindow(options(spec).window());
            }
        } catch (CompressionException | IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage().contains("unit") ? "kv_compression.unit" : "kv_compression.budget", "kv_compression: " + e.getMessage());
        }
    }

    KvCompressor compressor(CompressionSpec spec, int[] tokens) {
        Budget b = spec.budget() != null ? Budget.tokens(spec.budget()) : Budget.ratio(spec.ratio());
        return KvCompressor.create(CompressionMethods.byName(spec.method()), b, model.config(), options(spec)).prompt(tokenizer, tokens);
    }

    private CompressionOptions options(CompressionSpec spec) {
        CompressionOptions o = CompressionOptions.defaults().withUnit(unit(spec))
                .withProfiles(beside(".heads.json"), beside(".layers.json"));
        if (spec.window() != null) o = o.withWindow(spec.window());
        if (spec.pool() != null) o = o.withPool(spec.pool(), Pooling.AVG);
        return o;
    }

    private static SelectionUnit unit(CompressionSpec spec) {
        String u = spec.unit() == null ? "token" : spec.unit();
        try {
            if (u.equals("token") || u.equals("chunk") || u.equals("sentence")) {
                return SelectionUnit.parse(u, SelectionUnit.DEFAULT_CHUNK, SelectionUnit.DEFAULT_SENTENCE_CAP);
            }
            return SelectionUnit.fromLabel(u);
        } catch (CompressionException e) {
            throw ApiException.badRequest("kv_compression.unit", "unknown kv_compression.unit '" + u + "'; valid: token, chunk, sentence");
        }
    }

    private Path beside(String suffix) {
        Path p = path.resolveSibling(id + suffix);
        return Files.isRegularFile(p) ? p : null;
    }

    Tokenizer tokenizer() { return tokenizer; }

    @Override
    public void close() { model.close(); }
}
