package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.model.Model;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every prefill-scored method, each unit, streaming and a decode-time compression on the embedded model with a q4 and a
 * q8 cache: the rows kept are exactly those an F16 cache keeps (the scores read the staged half-precision keys, before
 * any rounding to codes), the cache is codes afterwards, its bytes are the layout's, and generation runs.
 */
class QuantizedCacheCompressionTest {
    static Model model;
    static Tokenizer tokenizer;
    static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(EmbeddedNeedleCompressionTest.MODEL);
        tokenizer = Tokenizers.load(model.source());
        // the first 320 tokens: several key groups per head, and short enough to run 30 prefills quickly
        prompt = java.util.Arrays.copyOf(tokenizer.encode(Files.readString(Path.of("examples/needle-walden.txt")), true, true), 320);
    }

    @AfterAll
    static void close() { model.close(); }

    private static Session compressed(KvStorage storage, String method, SelectionUnit unit, boolean streaming) {
        CompressionOptions o = CompressionOptions.defaults()
                .withProfiles(Path.of("models/compresskv-tiny.heads.json"), Path.of("models/compresskv-tiny.layers.json"))
                .withUnit(unit).withStreaming(streaming);
        KvCompressor c = KvCompressor.create(CompressionMethods.byName(method), Budget.tokens(96), model.config(), o).prompt(tokenizer, prompt);
        Session s = new Session(model, storage);
        s.prefill(prompt, c);
        c.finish(s.cache());
        return s;
    }

    private static void assertSameRows(KvCache a, KvCache b, String what) {
        for (int l = 0; l < a.layers(); l++) {
            for (int g = 0; g < a.kvHeads(); g++) assertArrayEquals(a.head(l, g).positions(), b.head(l, g).positions(), what + " layer " + l + " head " + g);
        }
    }

    private static long layoutBytes(KvCache c) {
        long n = 0;
        for (int l = 0; l < c.layers(); l++) for (int g = 0; g < c.kvHeads(); g++) n += c.storage().bytesFor(c.rows(l, g), c.headDim());
        return n;
    }

    private static String answer(Session s) {
        GenerationResult r = s.generate(SamplerConfig.greedy(), new StopConditions(6, tokenizer.endOfGenerationIds(), List.of("\n")),
                TokenDecoder.of(tokenizer), t -> { });
        return r.text();
    }

    /** One prefill observed by every method's compressor, then each method on its own fork (as eval does). */
    private static List<Session> everyMethod(KvStorage storage, List<CompressionMethod> methods) {
        CompressionOptions o = CompressionOptions.defaults()
                .withProfiles(Path.of("models/compresskv-tiny.heads.json"), Path.of("models/compresskv-tiny.layers.json"));
        List<KvCompressor> cs = methods.stream().map(m -> KvCompressor.create(m, Budget.tokens(96), model.config(), o)).toList();
        Session base = new Session(model, storage);
        base.prefill(prompt, new io.github.compresskv.model.SharedPrefillObserver(cs));
        List<Session> out = new java.util.ArrayList<>();
        for (KvCompressor c : cs) {
            Session fork = base.fork();
            c.finish(fork.cache());
            out.add(fork);
        }
        return out;
    }

    @Test
    void everyMethodKeepsTheRowsOfAnF16CacheAndRunsOnCodes() {
        // kvzip scores by a reconstruction pass of its own: eval --question-agnostic
        List<CompressionMethod> methods = CompressionMethods.all().stream().filter(m -> !m.reconstructs()).toList();
        List<Session> f16 = everyMethod(KvStorage.F16, methods), q4 = everyMethod(KvStorage.Q4, methods);
        for (int i = 0; i < methods.size(); i++) {
            String m = methods.get(i).name();
            assertSameRows(f16.get(i).cache(), q4.get(i).cache(), m);
            assertFalse(q4.get(i).cache().staging(), m + ": sealed after the compression");
            assertEquals(layoutBytes(q4.get(i).cache()), q4.get(i).cache().bytes(), m);
            assertNotNull(answer(q4.get(i)));
        }
    }

    @Test
    void unitsStreamingAndQ8KeepTheSameRowsToo() {
        for (SelectionUnit unit : List.of(SelectionUnit.sentence(48), SelectionUnit.chunk(10))) {
            assertSameRows(compressed(KvStorage.F16, "compresskv", unit, false).cache(),
                    compressed(KvStorage.Q8, "compresskv", unit, false).cache(), "compresskv " + unit.label());
        }
        for (String m : List.of("snapkv", "cake")) {
            Session f16 = compressed(KvStorage.F16, m, SelectionUnit.token(), true), q4 = compressed(KvStorage.Q4, m, SelectionUnit.token(), true);
            assertSameRows(f16.cache(), q4.cache(), m + " streaming");
            assertEquals(layoutBytes(q4.cache()), q4.cache().bytes());
        }
    }

    @Test
    void decodeTimeCompressionBoundsAQuantizedCache() {
        Session s = new Session(model, KvStorage.Q4);
        s.prefill(prompt);
        assertTrue(s.cache().staging(), "the prompt waits in half precision");
        assertEquals((long) prompt.length * model.config().layers() * model.config().kvHeads() * model.config().headDim() * 4, s.cache().bytes());
        s.cache().seal();
        long full = s.cache().bytes();
        assertEquals(layoutBytes(s.cache()), full);
        CompressionOptions o = CompressionOptions.defaults();
        s.decodeObserver(new DecodeTimeCompressor(CompressionMethods.byName("snapkv"), 64, 8, model.config(), o));
        GenerationResult r = s.generate(SamplerConfig.greedy(), new StopConditions(24, java.util.Set.of(), List.of()), TokenDecoder.of(tokenizer), t -> { });
        assertEquals(24, r.generatedTokens());
        for (int l = 0; l < s.cache().layers(); l++) for (int g = 0; g < s.cache().kvHeads(); g++) assertTrue(s.cache().rows(l, g) <= 64 + 8);
        assertEquals(layoutBytes(s.cache()), s.cache().bytes());
        assertTrue(s.cache().bytes() < full);
    }
}
