package io.github.compresskv.format;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.ModelWeights;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.TokenizerException;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static io.github.compresskv.fuzz.HostileInput.expectCleanOutcome;

/**
 * Fuzz targets of the model loaders: a GGUF file, a safetensors file and a Hugging Face config.json, each followed
 * through what loading a model does with it (configuration, weights, tokenizer). The normal test run replays the
 * corpus under src/test/resources/.../ModelFileFuzzTestInputs; {@code ./run-fuzz} fuzzes (docs/reliability.md).
 */
class ModelFileFuzzTest {

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/gguf.dict")
    void gguf(byte[] data) {
        Path file = io.github.compresskv.fuzz.HostileInput.file("model.gguf", data);
        expectCleanOutcome(() -> {
            try (GgufFile g = GgufFile.open(file)) {
                g.metadata().keys().forEach(k -> String.valueOf(g.metadata().get(k)));
                for (TensorData t : g.tensors().values()) {
                    t.shapeString();
                    t.elementCount();
                }
                expectCleanOutcome(() -> ModelWeights.load(g, ModelConfig.from(g)), ModelFormatException.class);
                expectCleanOutcome(() -> exercise(Tokenizers.load(g)), ModelFormatException.class, TokenizerException.class);
            }
        }, ModelFormatException.class);
    }

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/safetensors.dict")
    void safetensors(byte[] data) {
        Path file = io.github.compresskv.fuzz.HostileInput.file("model.safetensors", data);
        expectCleanOutcome(() -> {
            try (Safetensors s = Safetensors.open(file)) {
                for (TensorData t : s.tensors().values()) {
                    t.shapeString();
                    if (t.data().byteSize() > 0) t.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, t.data().byteSize() - 1);
                }
            }
        }, ModelFormatException.class);
    }

    /** config.json beside a valid tiny model: the config is fuzzed, the weights are those of the tiny llama. */
    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/json.dict")
    void hfConfig(byte[] data) {
        Path dir = TinyWeights.FOLDER;
        io.github.compresskv.fuzz.HostileInput.write(dir, HfFolder.CONFIG, data);
        expectCleanOutcome(() -> {
            try (HfFolder f = HfFolder.open(dir)) {
                ModelWeights.load(f, ModelConfig.from(f));
            }
        }, ModelFormatException.class);
    }

    static void exercise(Tokenizer t) {
        String text = "Hello world! 123 h\u00e9llo \u4f60\u597d <|eot_id|>\n\t  x";
        int[] ids = t.encode(text, true, true);
        t.decode(ids);
        t.decode(new int[] {0, t.vocabSize() - 1});
        t.description();
        t.chatTemplate();
    }

    /** A folder holding the tiny llama's weights of the model tests, written once. */
    private static final class TinyWeights {
        static final Path FOLDER = io.github.compresskv.fuzz.HostileInput.folder("hf");

        static {
            io.github.compresskv.fuzz.HostileInput.write(FOLDER, HfFolder.SINGLE_FILE,
                    read("/io/github/compresskv/model/llama/model.safetensors"));
        }

        private static byte[] read(String resource) {
            try (var in = ModelFileFuzzTest.class.getResourceAsStream(resource)) {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
