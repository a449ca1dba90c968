package io.github.compresskv.compress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of one compression: the engine's own (observation window, streaming, where the prompt's hidden
 * states wait between layers, selection unit) and, by type, the {@link PartSettings} that each scorer, selector and
 * allocator declares for itself ({@link AttentionPooling}, {@link CakeScorer.Settings}, {@link PositionScorer.Settings},
 * {@link RandomScorer.Settings}, {@link SemanticRetrievalHeadScorer.Settings}, {@link AdaKvSelector.Settings},
 * {@link PyramidAllocator.Settings}, {@link ErrorAwareAllocator.Settings}) and the attention sinks every
 * scored selection keeps ({@link SinkTokens}). A part whose settings were not given gets
 * its {@code DEFAULT} (the CompressKV repository's values, §11 of the method document).
 *
 * @param window             observation window w (last prompt tokens, always kept; {@code --window})
 * @param streaming          compress each layer as soon as its prefill is done (peak = one full layer + the rest compressed)
 * @param promptStatesInFile the prefill keeps the prompt's hidden states between layers in a temporary file (the
 *                           operating system's page cache) instead of the Java heap ({@code --prompt-states-in-file});
 *                           meant with {@code streaming}, where they are the largest remaining part of the memory
 * @param unit               what the selectors keep: tokens (default), chunks or sentences ({@code --unit})
 * @param parts              the parts' settings by type (absent: the part's default)
 */
public record CompressionOptions(int window, boolean streaming, boolean promptStatesInFile, SelectionUnit unit,
                                 Map<Class<? extends PartSettings>, PartSettings> parts) {

    private static final Map<Class<? extends PartSettings>, PartSettings> DEFAULTS = Map.of(
            AttentionPooling.class, AttentionPooling.DEFAULT,
            CakeScorer.Settings.class, CakeScorer.Settings.DEFAULT,
            PositionScorer.Settings.class, PositionScorer.Settings.DEFAULT,
            RandomScorer.Settings.class, RandomScorer.Settings.DEFAULT,
            SemanticRetrievalHeadScorer.Settings.class, SemanticRetrievalHeadScorer.Settings.DEFAULT,
            AdaKvSelector.Settings.class, AdaKvSelector.Settings.DEFAULT,
            PyramidAllocator.Settings.class, PyramidAllocator.Settings.DEFAULT,
            ErrorAwareAllocator.Settings.class, ErrorAwareAllocator.Settings.DEFAULT,
            SinkTokens.class, SinkTokens.DEFAULT);

    public CompressionOptions {
        if (window < 1) throw new CompressionException("--window must be ≥ 1, got " + window);
        if (unit == null) unit = SelectionUnit.token();
        parts = Map.copyOf(parts);
    }

    public static CompressionOptions defaults() { return new CompressionOptions(8, false, false, SelectionUnit.token(), Map.of()); }

    /** The settings of the part whose settings type is {@code type} (its default when none were given). */
    public <T extends PartSettings> T part(Class<T> type) {
        PartSettings s = parts.get(type);
        if (s == null) s = DEFAULTS.get(type);
        if (s == null) throw new IllegalArgumentException("no default settings for " + type.getName());
        return type.cast(s);
    }

    /** These options with {@code settings} for its part (replacing earlier ones of the same type). */
    public CompressionOptions with(PartSettings settings) {
        Map<Class<? extends PartSettings>, PartSettings> m = new LinkedHashMap<>(parts);
        m.put(settings.getClass(), settings);
        return new CompressionOptions(window, streaming, promptStatesInFile, unit, m);
    }

    public CompressionOptions withWindow(int w) { return new CompressionOptions(w, streaming, promptStatesInFile, unit, parts); }

    public CompressionOptions withStreaming(boolean s) { return new CompressionOptions(window, s, promptStatesInFile, unit, parts); }

    public CompressionOptions withPromptStatesInFile(boolean f) { return new CompressionOptions(window, streaming, f, unit, parts); }

    public CompressionOptions withUnit(SelectionUnit u) { return new CompressionOptions(window, streaming, promptStatesInFile, u, parts); }

    /** The first {@code count} positions always kept by scored methods ({@code --sink-tokens}; 0: none). */
    public CompressionOptions withSinkTokens(int count) { return with(new SinkTokens(count)); }

    /** These options as a sweep applies them to {@code method}: the sinks only where the method scores content. */
    public CompressionOptions forMethod(String method) {
        return sinkTokens() > 0 && !CompressionMethods.byName(method).scoresContent() ? withSinkTokens(0) : this;
    }

    /** How many attention sinks scored methods keep. */
    public int sinkTokens() { return part(SinkTokens.class).count(); }

    /** {@link AttentionPooling} of kernel {@code kernel} ({@code --pool}). */
    public CompressionOptions withPool(int kernel, Pooling p) { return with(new AttentionPooling(p, kernel)); }

    /** The CompressKV profiles: heads for its scorer, layers for its allocator (null: none). */
    public CompressionOptions withProfiles(Path heads, Path layers) {
        return with(new SemanticRetrievalHeadScorer.Settings(heads, part(SemanticRetrievalHeadScorer.Settings.class).heads()))
                .with(new ErrorAwareAllocator.Settings(layers));
    }

    /** The head profile given, or null. */
    public Path headProfile() { return part(SemanticRetrievalHeadScorer.Settings.class).headProfile(); }

    /** The layer profile given, or null. */
    public Path layerProfile() { return part(ErrorAwareAllocator.Settings.class).layerProfile(); }

    /**
     * These options with each profile not given yet taken from beside the model, if such a file exists: for
     * {@code dir/name.gguf} (or a folder {@code dir/name}) the files {@code dir/name.heads.json} and
     * {@code dir/name.layers.json}.
     */
    public CompressionOptions withProfilesBeside(Path model) {
        return withProfiles(headProfile() != null ? headProfile() : beside(model, ".heads.json"),
                layerProfile() != null ? layerProfile() : beside(model, ".layers.json"));
    }

    private static Path beside(Path model, String suffix) {
        Path name = model.toAbsolutePath().normalize().getFileName();
        if (name == null) return null;
        Path p = model.resolveSibling(name.toString().replaceFirst("\\.gguf$", "") + suffix);
        return Files.isRegularFile(p) ? p : null;
    }
}
