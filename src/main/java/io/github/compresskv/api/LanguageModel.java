package io.github.compresskv.api;

import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tensor.VectorModule;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import io.github.compresskv.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded model (a GGUF file or a Hugging Face folder) with its tokenizer and worker pool. Thread-safe: share one
 * instance; each thread works in its own {@link Context}. Close it to release the memory mapping and the threads
 * (after every context is done).
 *
 * <pre>{@code
 * try (LanguageModel model = LanguageModel.load(Path.of("model.gguf"), LoadOptions.defaults().threads(4))) {
 *     Context context = model.newContext();
 *     ...
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final Path path;
    private final LoadOptions options;

    private LanguageModel(Model model, Tokenizer tokenizer, Path path, LoadOptions options) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.path = path;
        this.options = options;
    }

    /** Loads with the default options (all processors, F32 KV cache). */
    public static LanguageModel load(Path path) { return load(path, LoadOptions.defaults()); }

    /**
     * Loads a {@code .gguf} file or a Hugging Face model folder ({@code config.json}, safetensors and tokenizer files)
     * and its tokenizer. Fails with a message naming the file when it is missing or not a supported model, and with
     * an {@link IllegalStateException} when the JVM runs without {@code --add-modules jdk.incubator.vector}.
     */
    public static LanguageModel load(Path path, LoadOptions options) {
        VectorModule.require();
        if (path == null || !Files.exists(path)) throw new IllegalArgumentException("model " + path + " does not exist");
        if (options == null) options = LoadOptions.defaults();
        Parallel pool = options.threads() == 0 ? Parallel.ofDefault() : new Parallel(options.threads());
        Model model;
        try {
            model = Model.load(ModelSources.open(path), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        try {
            return new LanguageModel(model, model.tokenizer(), path, options);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** An empty context with the KV type of the load options. */
    public Context newContext() { return new Context(this, options.storage()); }

    /** An empty context whose KV cache uses {@code kvType} ({@link LoadOptions#kvTypes()}). */
    public Context newContext(String kvType) { return new Context(this, LoadOptions.defaults().kvType(kvType).storage()); }

    /**
     * The tokens {@code prompt} becomes at the start of a context (BOS as the model wants, chat messages through
     * its template).
     */
    public int[] tokenize(Prompt prompt) { return tokens(prompt, true); }

    /**
     * The tokens {@code prompt} becomes at the start of a context ({@code startsContext}) or appended to one (plain
     * text without BOS): what {@link Context#append} will run, for callers that match or count tokens first.
     */
    public int[] tokenize(Prompt prompt, boolean startsContext) { return tokens(prompt, startsContext); }

    /**
     * Bytes one prompt token adds to a KV cache of the load options' type during a prefill (every layer, key and value):
     * for the quantized types the half-precision rows held until the cache is sealed, so a reservation of this size
     * covers a prefill's peak.
     */
    public long kvBytesPerToken() {
        var c = model.config();
        return (long) c.layers() * c.kvHeads() * c.headDim() * 2 * options.storage().stagedBytesPerValue();
    }

    /** The text of {@code tokens}; special tokens (BOS, end of turn) are left out. */
    public String detokenize(int... tokens) { return tokenizer.decode(tokens, true); }

    /** Chat messages rendered with the model's template (its own, or the plain fallback), the assistant's turn opened. */
    public String renderChat(List<ChatMessage> messages) {
        return PromptTokens.templateOf(tokenizer).render(messages(messages), true);
    }

    /** The model's context length in tokens. */
    public int contextLength() { return model.config().contextLength(); }

    /** Whether the model brings its own chat template (else chats use a plain "User: … Assistant:" layout). */
    public boolean hasChatTemplate() { return tokenizer.chatTemplate().isPresent(); }

    /** The file or folder it was loaded from. */
    public Path path() { return path; }

    /** The options it was loaded with. */
    public LoadOptions options() { return options; }

    /** One line: architecture and sizes. */
    public String description() { return model.config().summary(); }

    @Override
    public void close() { model.close(); }

    @Override
    public String toString() { return "LanguageModel[" + path + ", " + description() + "]"; }

    Model model() { return model; }

    Tokenizer tokenizer() { return tokenizer; }

    /** Tokens of {@code prompt} at the start of a context or continuing one (never a BOS then). */
    int[] tokens(Prompt prompt, boolean start) {
        int[] ids = prompt.tokenIds();
        if (ids != null) {
            for (int id : ids) {
                if (id < 0 || id >= model.config().vocab()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + model.config().vocab());
            }
            return ids;
        }
        if (prompt.isChat()) return PromptTokens.chat(tokenizer, messages(prompt.messages()));
        return start ? PromptTokens.raw(tokenizer, prompt.text()) : PromptTokens.continuation(tokenizer, prompt.text());
    }

    private static List<ChatTemplate.Message> messages(List<ChatMessage> messages) {
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (ChatMessage m : messages) out.add(new ChatTemplate.Message(m.role(), m.content()));
        return out;
    }
}
