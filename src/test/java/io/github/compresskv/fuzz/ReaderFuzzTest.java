package io.github.compresskv.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.compresskv.compress.CompressionException;
import io.github.compresskv.compress.HeadProfile;
import io.github.compresskv.compress.LayerProfile;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.eval.RunFolder;
import io.github.compresskv.eval.longbench.LongBenchJsonl;
import io.github.compresskv.needle.NeedleFile;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static io.github.compresskv.fuzz.HostileInput.expectCleanOutcome;

/**
 * Fuzz targets of the small text formats: head and layer profile JSON, the needles file, a haystack text, LongBench
 * jsonl and a run folder's predictions.jsonl (read back when a run resumes).
 */
class ReaderFuzzTest {

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void headProfile(byte[] data) {
        Path file = HostileInput.file("heads.json", data);
        expectCleanOutcome(() -> {
            HeadProfile p = HeadProfile.load(file);
            expectCleanOutcome(() -> p.toString(), CompressionException.class);
        }, CompressionException.class);
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void layerProfile(byte[] data) {
        Path file = HostileInput.file("layers.json", data);
        expectCleanOutcome(() -> LayerProfile.load(file), CompressionException.class);
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void needles(byte[] data) {
        Path file = HostileInput.file("needles.json", data);
        expectCleanOutcome(() -> NeedleFile.read(file), java.io.IOException.class);
    }

    /** A haystack folder holding one fuzzed text, cut into tokens as the needle tests do. */
    @FuzzTest
    @Timeout(10)
    void haystack(byte[] data) {
        Path dir = HostileInput.folder("haystack");
        HostileInput.write(dir, "book.txt", data);
        expectCleanOutcome(() -> Haystack.folder(dir).tokens(Bytes.TOKENIZER, 300));
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void longBenchJsonl(byte[] data) {
        Path file = HostileInput.file("qasper.jsonl", data);
        expectCleanOutcome(() -> LongBenchJsonl.read(file, "qasper", 0));
    }

    /** predictions.jsonl of an interrupted run, as {@link RunFolder#open} reads it when the run resumes. */
    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void predictionsJsonl(byte[] data) {
        Path dir = HostileInput.folder("run");
        ObjectNode config = JSON.createObjectNode();
        config.putObject("run").put("model", "m");
        expectCleanOutcome(() -> {
            try (RunFolder f = RunFolder.open(dir, config)) { f.predictions(); }
        });
        HostileInput.write(dir, RunFolder.PREDICTIONS, data);
        expectCleanOutcome(() -> {
            try (RunFolder f = RunFolder.open(dir, config)) {
                f.predictions().forEach(p -> p.key());
            }
        });
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A byte-level tokenizer (the embedded model's), built once. */
    private static final class Bytes {
        static final Tokenizer TOKENIZER = load();

        private static Tokenizer load() {
            try (var m = io.github.compresskv.format.ModelSources.open(Path.of("models/compresskv-tiny.gguf"))) {
                return Tokenizers.load(m);
            }
        }
    }
}
