/**
 * The embeddable Java API of CompressKV: load a model, prefill a long document once into a {@link
 * io.github.compresskv.api.Context}, compress its KV cache, and answer questions from it.
 *
 * <pre>{@code
 * try (LanguageModel model = LanguageModel.load(Path.of("models/compresskv-tiny.gguf"))) {
 *     Context context = model.newContext();
 *     PrefillReport r = context.prefill(Prompt.text(document + question),
 *             Compression.method("compresskv").budget(128));
 *     Answer a = context.generate(GenerationOptions.greedy().maxTokens(32));
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>A {@link io.github.compresskv.api.LanguageModel} is shared by any number of threads: it holds the mapped
 *       weights, the tokenizer and one worker pool. Contexts on different threads run concurrently; their
 *       data-parallel loops take turns on the model's pool, so more threads raise throughput only while the pool
 *       has idle cores.</li>
 *   <li>A {@link io.github.compresskv.api.Context} is used by one thread at a time (a second thread entering it
 *       while it works gets an {@link java.lang.IllegalStateException}). Give each thread its own context, or its
 *       own {@link io.github.compresskv.api.Context#fork() fork} of a shared prefilled one (fork it on the thread
 *       that owns it, then hand the fork over).</li>
 *   <li>{@link io.github.compresskv.api.Cancellation#cancel()} and {@link io.github.compresskv.api.TokenStream#cancel()}
 *       may be called from any thread; the generation stops before its next token and the context stays usable.</li>
 *   <li>A {@link io.github.compresskv.api.TokenStream} generates on a thread of its own; the context is busy until
 *       the stream has ended or is closed.</li>
 *   <li>Closing the model while a context is running is not allowed (close it after the work is done).</li>
 * </ul>
 *
 * <h2>Runtime</h2>
 * The engine's kernels use the incubating Vector API: start the JVM with {@code --add-modules jdk.incubator.vector}
 * (and {@code --enable-native-access=ALL-UNNAMED} to silence the memory-mapping warning). Without the module,
 * {@link io.github.compresskv.api.LanguageModel#load} fails with an {@link java.lang.IllegalStateException} saying so.
 *
 * <h2>Errors</h2>
 * Bad input (a file that is not a model, an unknown method, a budget below the window, a missing profile) throws a
 * {@link java.lang.RuntimeException} whose message names the file, field or setting.
 */
package io.github.compresskv.api;
