package io.github.compresskv.compress;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.model.Model;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decode-time compression on the embedded model: the cache stays bounded, positions stay true, the window is kept. */
class DecodeTimeCompressorTest {

    @Test
    void longGenerationKeepsTheCacheBoundedAndPositionsTrue() {
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            Tokenizer tok = Tokenizers.load(model.source());
            int[] prompt = tok.encode("It was the best of times, it was the worst of times. ".repeat(6), true, true);
            CompressionOptions o = CompressionOptions.defaults()
                    .withProfiles(Path.of("models/compresskv-tiny.heads.json"), Path.of("models/compresskv-tiny.layers.json"));
            int target = 48, interval = 8;
            for (String method : List.of("snapkv", "compresskv", "tova", "streamingllm")) {
                Session s = new Session(model, KvStorage.F32);
                DecodeTimeCompressor d = new DecodeTimeCompressor(CompressionMethods.byName(method), target, interval, model.config(), o);
                s.decodeObserver(d);
                s.prefill(prompt);
                GenerationResult r = s.generate(SamplerConfig.greedy(), new StopConditions(60, Set.of(), List.of()),
                        io.github.compresskv.generate.TokenDecoder.of(tok), x -> { });
                assertEquals(60, r.generatedTokens(), method);
                KvCache c = s.cache();
                assertTrue(d.evictions() > 0, method + " never evicted");
                for (int l = 0; l < c.layers(); l++) {
                    for (int g = 0; g < c.kvHeads(); g++) {
                        HeadRows rows = c.head(l, g);
                        assertTrue(rows.size() <= target + interval, method + " layer " + l + " holds " + rows.size() + " rows");
                        int[] pos = rows.positions();
                        for (int i = 1; i < pos.length; i++) assertTrue(pos[i] > pos[i - 1], "positions stay increasing");
                        // the most recent tokens (the window of the last re-scoring and the steps since) are all kept
                        int last = s.position() - 1;
                        assertEquals(last, pos[pos.length - 1], method + ": the newest row keeps its true position");
                    }
                }
                assertEquals(prompt.length + 59, s.position(), method + ": positions count every token");
            }
        }
    }

    @Test
    void unitsWorkDuringDecodingWithTheConsumedTokensAsText() {
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            Tokenizer tok = Tokenizers.load(model.source());
            int[] prompt = tok.encode("It was the best of times. It was the worst of times.\n".repeat(6), true, true);
            int target = 48, interval = 8;
            for (SelectionUnit unit : List.of(SelectionUnit.chunk(6), SelectionUnit.sentence(12))) {
                CompressionOptions o = CompressionOptions.defaults().withUnit(unit);
                Session s = new Session(model, KvStorage.F32);
                DecodeTimeCompressor d = new DecodeTimeCompressor(CompressionMethods.byName("snapkv"), target, interval, model.config(), o, tok);
                s.decodeObserver(d);
                s.prefill(prompt);
                GenerationResult r = s.generate(SamplerConfig.greedy(), new StopConditions(40, Set.of(), List.of()),
                        io.github.compresskv.generate.TokenDecoder.of(tok), x -> { });
                assertEquals(40, r.generatedTokens(), unit.label());
                assertTrue(d.evictions() > 0, unit + " never evicted");
                for (int l = 0; l < s.cache().layers(); l++) {
                    for (int g = 0; g < s.cache().kvHeads(); g++) {
                        assertTrue(s.cache().head(l, g).size() <= target + interval, unit + " layer " + l);
                    }
                }
            }
            assertThrows(CompressionException.class, () -> new DecodeTimeCompressor(CompressionMethods.byName("snapkv"), 48, 8, model.config(),
                    CompressionOptions.defaults().withUnit(SelectionUnit.sentence(32))), "sentence units need the tokenizer");
        }
    }

    @Test
    void methodsThatCannotRescoreDuringDecodingAreRefused() {
        try (Model model = Model.load(Path.of("models/compresskv-tiny.gguf"))) {
            var o = CompressionOptions.defaults();
            assertThrows(CompressionException.class, () -> new DecodeTimeCompressor(CompressionMethods.byName("h2o"), 48, 8, model.config(), o));
            assertThrows(CompressionException.class, () -> new DecodeTimeCompressor(CompressionMethods.byName("full"), 48, 8, model.config(), o));
            assertThrows(CompressionException.class, () -> new DecodeTimeCompressor(CompressionMethods.byName("snapkv"), 8, 8, model.config(), o));
            assertThrows(CompressionException.class, () -> new DecodeTimeCompressor(CompressionMethods.byName("snapkv"), 48, 0, model.config(), o));
        }
    }
}
