package io.github.compresskv.tokenizer;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.compresskv.fuzz.HostileInput;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.github.compresskv.fuzz.HostileInput.expectCleanOutcome;

/**
 * Fuzz targets of the tokenizer files (tokenizer.json, the tokenizer.model protobuf) and of chat-template
 * rendering; each built tokenizer also encodes and decodes a short mixed text.
 */
class TokenizerFileFuzzTest {

    @FuzzTest
    @Timeout(10)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/tokenizer-json.dict")
    void tokenizerJson(byte[] data) {
        Path dir = HostileInput.folder("tokenizer-json");
        HostileInput.write(dir, HfTokenizerFolder.TOKENIZER_JSON, data);
        expectCleanOutcome(() -> exercise(Tokenizers.fromHuggingFace(dir)), TokenizerException.class);
    }

    @FuzzTest
    @Timeout(10)
    void tokenizerModel(byte[] data) {
        Path dir = HostileInput.folder("tokenizer-model");
        HostileInput.write(dir, HfTokenizerFolder.TOKENIZER_MODEL, data);
        expectCleanOutcome(() -> exercise(Tokenizers.fromHuggingFace(dir)), TokenizerException.class);
    }

    /** The template source (UTF-8) comes from the fuzzer; the conversation is fixed and has every role. */
    @FuzzTest
    @Timeout(30)
    @DictionaryFile(resourcePath = "/io/github/compresskv/fuzz/jinja.dict")
    void chatTemplate(byte[] data) {
        String source = new String(data, java.nio.charset.StandardCharsets.UTF_8);
        expectCleanOutcome(() -> {
            String out = new ChatTemplate(source, "<s>", "</s>").render(List.of(
                    Map.of("role", "system", "content", "Be brief."),
                    Map.of("role", "user", "content", "Hi \u00e9 {{ x }} {% raw %}"),
                    Map.of("role", "assistant", "content", "Hello.", "tool_calls", List.of(Map.of("name", "f"))),
                    Map.of("role", "user", "content", "")), data.length % 2 == 0, Map.of("tools", List.of()));
            if (out.length() > ChatTemplate.MAX_OUTPUT_CHARS) {
                throw new AssertionError("rendered " + out.length() + " characters, above the limit");
            }
        }, TokenizerException.class);
    }

    static void exercise(Tokenizer t) {
        String text = "Hello world! 123 h\u00e9llo \u4f60\u597d <|eot_id|> <s>\n\t  x\u0000";
        int[] ids = t.encode(text, true, true);
        t.decode(ids);
        t.decode(ids, true);
        t.decode(new int[] {0, t.vocabSize() - 1});
        t.description();
        t.chatTemplate().ifPresent(c -> expectCleanOutcome(
                () -> c.render(List.of(new ChatTemplate.Message("user", "hi")), true), TokenizerException.class));
    }
}
