package io.github.compresskv.api;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.ContextReconstruction;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public API on the embedded model: each call gives what the engine's own path gives (same kept rows, same
 * answer), compression reports the full and kept cache, forks are independent, streaming and cancellation behave.
 */
class LanguageModelTest {
    static final Path MODEL = Path.of("models/compresskv-tiny.gguf");
    static final String DOCUMENT = "The rain fell on the quiet river. ".repeat(6) + "\nThe best thing to do in Oslo is paint a quiet lantern.\n"
            + "The wind moved over the grey fields. ".repeat(8);
    static final String QUESTION = "\nQuestion: What is the best thing to do in Oslo?\nAnswer:";
    static LanguageModel model;

    @BeforeAll
    static void load() { model = LanguageModel.load(MODEL, LoadOptions.defaults().threads(2)); }

    @AfterAll
    static void close() { model.close(); }

    static GenerationOptions answerOptions() { return GenerationOptions.greedy().maxTokens(8).stop("\n"); }

    /** The engine's own question-aware path: prefill with the compressor observing, finish, generate. */
    static String engineAnswer(String method, int budget) {
        int[] prompt = PromptTokens.raw(model.tokenizer(), DOCUMENT + QUESTION);
        CompressionOptions o = CompressionOptions.defaults().withProfilesBeside(MODEL);
        KvCompressor k = KvCompressor.create(CompressionMethods.byName(method), Budget.tokens(budget), model.model().config(), o);
        Session s = new Session(model.model(), KvStorage.F32);
        s.prefill(prompt, k);
        k.finish(s.cache());
        return s.generate(SamplerConfig.greedy(), new StopConditions(8, model.tokenizer().endOfGenerationIds(), List.of("\n")),
                TokenDecoder.of(model.tokenizer()), t -> { }).text();
    }

    @Test
    void aCompressedPrefillAnswersAsTheEngineDoesAndReportsBothCacheSizes() {
        Context context = model.newContext();
        PrefillReport r = context.prefill(Prompt.text(DOCUMENT + QUESTION), Compression.method("compresskv").budget(24));
        int n = model.tokenize(Prompt.text(DOCUMENT + QUESTION)).length;
        assertEquals(n, r.tokens());
        assertEquals(n, r.position());
        assertEquals("compresskv", r.method());
        assertEquals(n * model.model().config().layers() * model.model().config().kvHeads() * model.model().config().headDim() * 2L * 4,
                r.kvBytesBefore(), "the full cache: every row of every layer and KV head");
        assertTrue(r.kvBytesAfter() < r.kvBytesBefore() / 2, r.kvBytesAfter() + " of " + r.kvBytesBefore());
        assertEquals(r.kvBytesAfter(), context.kvBytes());
        Answer a = context.generate(answerOptions());
        assertEquals(engineAnswer("compresskv", 24), a.text());
        assertTrue(a.generatedTokens() > 0 && a.decodeMillis() > 0);
        assertEquals(n + a.generatedTokens(), context.position());
    }

    @Test
    void aFullPrefillReportsNoCompression() {
        Context context = model.newContext("f16");
        PrefillReport r = context.prefill(Prompt.text(DOCUMENT));
        assertEquals("full", r.method());
        assertEquals(r.kvBytesBefore(), r.kvBytesAfter());
        assertEquals(1.0, r.keptFraction());
        assertEquals(r.tokens() * model.model().config().layers() * model.model().config().kvHeads() * model.model().config().headDim() * 2L * 2,
                r.kvBytesAfter(), "f16: two bytes a value");
    }

    @Test
    void questionAgnosticKvzipAnswersEachQuestionFromAForkOfTheCompressedDocument() {
        Context document = model.newContext();
        PrefillReport r = document.prefill(Prompt.text(DOCUMENT), Compression.method("kvzip").budget(24));
        assertTrue(r.kvBytesAfter() < r.kvBytesBefore());
        assertTrue(r.compressionMillis() > 0, "the reconstruction pass and the eviction take time");
        int position = document.position();
        long bytes = document.kvBytes();
        Answer first = document.fork().ask(QUESTION, answerOptions());
        Answer again = document.fork().ask(QUESTION, answerOptions());
        assertEquals(first.text(), again.text(), "a fork leaves the document as it was");
        assertEquals(position, document.position());
        assertEquals(bytes, document.kvBytes());
        assertEquals(model.tokenize(Prompt.text(DOCUMENT)).length + model.model().tokenizer().encode(QUESTION, false, true).length
                + first.generatedTokens(), position + first.promptTokens() + first.generatedTokens());

        // the engine's path: prefill the context exactly, reconstruct, evict, append the question, generate
        int[] context = PromptTokens.raw(model.tokenizer(), DOCUMENT);
        Session s = new Session(model.model(), KvStorage.F32);
        s.prefill(context);
        ReconstructionScorer scores = new ContextReconstruction(model.model(), model.tokenizer()).score(s.cache(), context);
        scores.compress(scores.compressor(CompressionMethods.byName("kvzip"), Budget.tokens(24), model.model().config(), CompressionOptions.defaults()), s.cache());
        assertEquals(s.cache().bytes(), bytes);
        GenerationResult g = s.generate(PromptTokens.continuation(model.tokenizer(), QUESTION), SamplerConfig.greedy(),
                new StopConditions(8, model.tokenizer().endOfGenerationIds(), List.of("\n")), TokenDecoder.of(model.tokenizer()), t -> { });
        assertEquals(g.text(), first.text());
    }

    @Test
    void listenerAndIteratorStreamTheAnswersText() {
        Context document = model.newContext();
        document.prefill(Prompt.text(DOCUMENT));
        GenerationOptions o = GenerationOptions.greedy().maxTokens(12);
        StringBuilder heard = new StringBuilder();
        Answer a = document.fork().ask(QUESTION, o, heard::append);
        assertEquals(a.text(), heard.toString());
        StringBuilder iterated = new StringBuilder();
        Answer b;
        try (TokenStream s = document.fork().askStreaming(QUESTION, o)) {
            while (s.hasNext()) iterated.append(s.next());
            b = s.answer();
        }
        assertEquals(a.text(), iterated.toString());
        assertEquals(a.text(), b.text());
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertEquals(a.finishReason(), b.finishReason());
    }

    @Test
    void cancellationFromAnotherThreadStopsTheGenerationAndLeavesTheContextUsable() throws Exception {
        Context context = model.newContext();
        context.prefill(Prompt.text(DOCUMENT));
        GenerationOptions many = GenerationOptions.sampling(1.0, 7).maxTokens(200);
        // a listener that waits for the other thread's cancel makes the cut deterministic
        Cancellation cancel = new Cancellation();
        CountDownLatch firstPiece = new CountDownLatch(1), cancelled = new CountDownLatch(1);
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                firstPiece.await();
                cancel.cancel();
                cancelled.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Answer a = context.fork().generate(many.cancellation(cancel), piece -> {
            firstPiece.countDown();
            try {
                assertTrue(cancelled.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        other.join();
        assertEquals(FinishReason.CANCELLED, a.finishReason());
        assertTrue(a.generatedTokens() < 200);

        TokenStream s = context.stream(many);
        assertTrue(s.hasNext());
        s.cancel();
        Answer b = s.answer();
        assertEquals(FinishReason.CANCELLED, b.finishReason());
        assertThrows(IllegalStateException.class, () -> context.prefill(Prompt.text("x")), "prefill starts a context only");
        Answer after = context.generate(GenerationOptions.greedy().maxTokens(3));
        assertEquals(3, after.generatedTokens(), "the context goes on after a cancelled generation");
    }

    @Test
    void aContextServesOneCallAtATime() throws Exception {
        Context context = model.newContext();
        context.prefill(Prompt.text(DOCUMENT));
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> context.generate(GenerationOptions.greedy().maxTokens(2), piece -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(inside.await(30, TimeUnit.SECONDS));
        IllegalStateException e = assertThrows(IllegalStateException.class, context::fork);
        assertTrue(e.getMessage().contains("one thread at a time"), e.getMessage());
        release.countDown();
        t.join();
        context.fork(); // free again
    }

    @Test
    void sampledAnswersRepeatWithTheirSeed() {
        Context document = model.newContext();
        document.prefill(Prompt.text(DOCUMENT));
        GenerationOptions o = GenerationOptions.sampling(0.9, 123).topP(0.95).maxTokens(10);
        assertEquals(document.fork().generate(o).text(), document.fork().generate(o).text());
        assertFalse(o.isGreedy());
    }

    @Test
    void chatPromptsUseTheModelsTemplateAndTokenPromptsContinueAContext() {
        List<ChatMessage> chat = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hello"));
        List<ChatTemplate.Message> internal = new ArrayList<>();
        for (ChatMessage m : chat) internal.add(new ChatTemplate.Message(m.role(), m.content()));
        assertArrayEquals(PromptTokens.chat(model.tokenizer(), internal), model.tokenize(Prompt.chat(chat)));
        assertTrue(model.renderChat(chat).contains("Hello"));

        // a prefix kept as a context, continued by a fork with the rest of a longer prompt, equals the longer prompt at once
        int[] all = model.tokenize(Prompt.text(DOCUMENT + QUESTION));
        int[] prefix = java.util.Arrays.copyOf(all, 40);
        Context cached = model.newContext();
        cached.prefill(Prompt.tokens(prefix));
        assertArrayEquals(prefix, cached.tokenIds());
        Context continued = cached.fork();
        continued.append(Prompt.tokens(java.util.Arrays.copyOfRange(all, 40, all.length)));
        Context whole = model.newContext();
        whole.prefill(Prompt.tokens(all));
        assertArrayEquals(whole.tokenIds(), continued.tokenIds());
        assertEquals(whole.generate(answerOptions()).text(), continued.generate(answerOptions()).text());
    }

    @Test
    void badSettingsFailWithMessagesNamingThem() {
        assertTrue(assertThrows(RuntimeException.class, () -> Compression.method("zip")).getMessage().contains("valid: full"));
        Context c = model.newContext();
        assertTrue(assertThrows(RuntimeException.class, () -> c.prefill(Prompt.text(DOCUMENT), Compression.method("snapkv")))
                .getMessage().contains("budget"));
        assertTrue(assertThrows(RuntimeException.class, () -> c.prefill(Prompt.text(DOCUMENT), Compression.method("snapkv").budget(4)))
                .getMessage().contains("window"));
        assertTrue(assertThrows(RuntimeException.class, () -> c.prefill(Prompt.text(DOCUMENT), Compression.method("snapkv").budget(32).unit("para")))
                .getMessage().contains("--unit"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().kvType("f8")).getMessage().contains("f32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LanguageModel.load(Path.of("no/such.gguf"))).getMessage().contains("no/such.gguf"));
        assertEquals(0, c.position(), "a refused prefill runs nothing");
        assertTrue(Compression.methods().containsKey("compresskv"));
        assertThrows(IllegalStateException.class, () -> c.ask("why?", answerOptions()));
    }
}
