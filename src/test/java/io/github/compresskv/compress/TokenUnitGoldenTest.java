package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.generate.Session;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.SharedPrefillObserver;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Token units are the selection as it was before units existed: the kept positions of every evicting method
 * (shared prefill, and streaming for three of them) on the embedded model equal a digest recorded with the code of
 * the commit before units were added (written by running this test there with {@code -Dgolden.write=FILE}).
 */
class TokenUnitGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/io/github/compresskv/compress/token-kept-sets.txt");
    /** The layer profile the digest was recorded with (a copy: the model's shipped profile may be re-made since). */
    static final Path LAYER_PROFILE = Path.of("src/test/resources/io/github/compresskv/compress/token-golden.layers.json");
    static final List<String> METHODS = List.of("streamingllm", "h2o", "tova", "knorm", "random", "snapkv", "pyramidkv", "adakv",
            "cake", "compresskv", "compresskv-srh", "compresskv-alloc");
    static Model model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        model = Model.load(Path.of("models/compresskv-tiny.gguf"));
        tokenizer = Tokenizers.load(model.source());
    }

    @AfterAll
    static void close() { model.close(); }

    static CompressionOptions options() {
        return CompressionOptions.defaults()
                .withProfiles(Path.of("models/compresskv-tiny.heads.json"), LAYER_PROFILE);
    }

    static String digest(KvCache cache) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int l = 0; l < cache.layers(); l++) {
                for (int g = 0; g < cache.kvHeads(); g++) {
                    int[] p = cache.head(l, g).positions();
                    md.update((l + ":" + g + ":" + java.util.Arrays.toString(p) + ";").getBytes(StandardCharsets.US_ASCII));
                }
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> keptSets(int[] prompt) {
        Map<String, String> out = new TreeMap<>();
        for (int budget : new int[]{32, 128}) {
            List<KvCompressor> compressors = new ArrayList<>();
            for (String m : METHODS) compressors.add(KvCompressor.create(CompressionMethods.byName(m), Budget.tokens(budget), model.config(), options()));
            Session session = new Session(model, KvStorage.F32);
            session.prefill(prompt, new SharedPrefillObserver(compressors));
            for (int i = 0; i < METHODS.size(); i++) {
                KvCache fork = session.fork().cache();
                compressors.get(i).finish(fork);
                out.put(METHODS.get(i) + "@" + budget, digest(fork));
            }
        }
        for (String m : List.of("snapkv", "cake", "compresskv")) {
            KvCompressor c = KvCompressor.create(CompressionMethods.byName(m), Budget.tokens(64), model.config(), options().withStreaming(true));
            Session session = new Session(model, KvStorage.F32);
            session.prefill(prompt, c);
            c.finish(session.cache());
            out.put(m + "@64/streaming", digest(session.cache()));
        }
        return out;
    }

    @Test
    void tokenUnitsKeepExactlyWhatSelectionKeptBeforeUnits() throws IOException {
        String text = Files.readString(Path.of("examples/needle-walden.txt"));
        int[] prompt = tokenizer.encode(text, tokenizer.addBosByDefault(), true);
        Map<String, String> now = keptSets(prompt);
        StringBuilder sb = new StringBuilder();
        now.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        String write = System.getProperty("golden.write");
        if (write != null) {
            Files.writeString(Path.of(write), sb.toString());
            return;
        }
        assertEquals(Files.readString(GOLDEN), sb.toString());
    }
}
