package io.github.compresskv.compress;

import java.nio.file.Path;

/**
 * Hyper-parameters shared by the compression presets (defaults: the CompressKV repository's, §11 of the method
 * document). {@code cakeTau1}/{@code cakeTau2} NaN mean the Llama-3.1 setting for the budget: τ1 = 1.6,
 * τ2 = 0.4 when B ≥ 512 else 0.6.
 *
 * @param window             observation window w (last prompt tokens, always kept; {@code --window})
 * @param poolKernel         pooling kernel κ ({@code --pool}); 1 disables pooling
 * @param pooling            AVG (default) or MAX
 * @param retrievalHeads     semantic retrieval heads per layer k (CompressKV)
 * @param streaming          compress each layer as soon as its prefill is done (peak = one full layer + the rest compressed)
 * @param seed               seed of the random scorer
 * @param sinks              StreamingLLM sink tokens
 * @param streamingFirstLast StreamingLLM as in the CompressKV repository: first B − w tokens + the window
 * @param adaFloor           Ada-KV floor fraction α per head
 * @param headProfile        semantic retrieval head ranking ({@code --head-profile}), needed by compresskv(-srh)
 * @param layerProfile       per-layer error profile ({@code --layer-profile}), needed by compresskv(-alloc)
 * @param promptStatesInFile the prefill keeps the prompt's hidden states between layers in a temporary file (the
 *                           operating system's page cache) instead of the Java heap ({@code --prompt-states-in-file});
 *                           meant with {@code streaming}, where they are the largest remaining part of the memory
 * @param unit               what the selectors keep: tokens (default), chunks or sentences ({@code --unit})
 */
public record CompressionOptions(int window, int poolKernel, Pooling pooling, int retrievalHeads, boolean streaming, long seed,
                                 int sinks, boolean streamingFirstLast, double cakeGamma, double cakeTau1, double cakeTau2,
                                 int pyramidBeta, double adaFloor, Path headProfile, Path layerProfile, boolean promptStatesInFile,
                                 SelectionUnit unit) {

    public CompressionOptions {
        if (window < 1) throw new CompressionException("--window must be ≥ 1, got " + window);
        if (poolKernel < 1 || poolKernel % 2 == 0) throw new CompressionException("--pool must be an odd kernel size ≥ 1, got " + poolKernel);
        if (unit == null) unit = SelectionUnit.token();
        if (retrievalHeads < 1) throw new CompressionException("retrieval heads per layer must be ≥ 1, got " + retrievalHeads);
    }

    public static CompressionOptions defaults() {
        return new CompressionOptions(8, 5, Pooling.AVG, 4, false, 42, 4, false, 200, Double.NaN, Double.NaN, 20, 0.2, null, null, false, SelectionUnit.token());
    }

    public CompressionOptions withWindow(int w) { return new CompressionOptions(w, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withPool(int kernel, Pooling p) { return new CompressionOptions(window, kernel, p, retrievalHeads, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withRetrievalHeads(int k) { return new CompressionOptions(window, poolKernel, pooling, k, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withStreaming(boolean s) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, s, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withSeed(long s) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, s, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withStreamingFirstLast(boolean f) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, f, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withCake(double gamma, double tau1, double tau2) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, streamingFirstLast, gamma, tau1, tau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, unit); }

    public CompressionOptions withProfiles(Path heads, Path layers) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, heads, layers, promptStatesInFile, unit); }

    public CompressionOptions withPromptStatesInFile(boolean f) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, f, unit); }

    /**
     * These options with each profile not given yet taken from beside the model, if such a file exists: for
     * {@code dir/name.gguf} (or a folder {@code dir/name}) the files {@code dir/name.heads.json} and
     * {@code dir/name.layers.json}.
     */
    public CompressionOptions withProfilesBeside(Path model) {
        return withProfiles(headProfile != null ? headProfile : beside(model, ".heads.json"),
                layerProfile != null ? layerProfile : beside(model, ".layers.json"));
    }

    private static Path beside(Path model, String suffix) {
        Path name = model.toAbsolutePath().normalize().getFileName();
        if (name == null) return null;
        Path p = model.resolveSibling(name.toString().replaceFirst("\\.gguf$", "") + suffix);
        return java.nio.file.Files.isRegularFile(p) ? p : null;
    }

    public CompressionOptions withUnit(SelectionUnit u) { return new CompressionOptions(window, poolKernel, pooling, retrievalHeads, streaming, seed, sinks, streamingFirstLast, cakeGamma, cakeTau1, cakeTau2, pyramidBeta, adaFloor, headProfile, layerProfile, promptStatesInFile, u); }
}
