package io.github.compresskv.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.compresskv.format.GgufValueType;
import io.github.compresskv.format.Metadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files give one TokenizerException whose message names the file and what is wrong. */
class TokenizerErrorsTest {

    private static TokenizerException loadFails(Path dir) {
        return assertThrows(TokenizerException.class, () -> Tokenizers.fromHuggingFace(dir));
    }

    private static void assertMessage(TokenizerException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
    }

    @Test
    void folderWithoutTokenizerNamesTheFilesLookedFor(@TempDir Path dir) {
        assertMessage(loadFails(dir), dir.toString(), "tokenizer.json", "tokenizer.model");
    }

    @Test
    void badJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
        assertMessage(loadFails(dir), "tokenizer.json", "invalid JSON", "line 1");
    }

    @Test
    void missingModel(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": []}");
        assertMessage(loadFails(dir), "tokenizer.json", "missing 'model'");
    }

    @Test
    void unknownModelType(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertMessage(loadFails(dir), "tokenizer.json", "unsupported tokenizer model type 'Unigram'", "BPE");
    }

    @Test
    void unknownPreTokenizerRegex(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                 "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\\\d+"}, "behavior": "Isolated", "invert": false}}""");
        assertMessage(loadFails(dir), "tokenizer.json", "unknown pre-tokenizer regex '\\d+'", "llama-bpe");
    }

    /** Token ids index an array: a corrupt one must not make its length (unused ids become [PAD] pieces). */
    @Test
    void tokenIdFarAboveTheVocabularyIsRejectedBeforeAllocating(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1000000000}, \"merges\": []}}");
        assertMessage(loadFails(dir), "tokenizer.json", "model.vocab['b']", "id 1000000000", "unused");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + " \"added_tokens\": [{\"id\": 2147483647, \"content\": \"<x>\"}]}");
        assertMessage(loadFails(dir), "tokenizer.json", "added token '<x>'", "id 2147483647");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + " \"added_tokens\": [{\"id\": -1, \"content\": \"<x>\"}]}");
        assertMessage(loadFails(dir), "tokenizer.json", "added token without a token id");
    }

    @Test
    void unusedIdsUpToTheLimitArePadded(@TempDir Path dir) throws IOException {
        int id = HfTokenizerJson.MAX_UNUSED_IDS + 1;
        Files.writeString(dir.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": " + id + "}, \"merges\": []}}");
        Tokenizer t = Tokenizers.fromHuggingFace(dir);
        assertTrue(t.vocabSize() == id + 1, "vocabulary of " + t.vocabSize());
        assertTrue(t.decode(new int[] {id}).equals("b"));
    }

    @Test
    void mergeWithUnknownToken(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        assertMessage(loadFails(dir), "tokenizer.json", "merge 1 'a b'", "not in the vocabulary");
    }

    @Test
    void badTokenizerConfigJson(@TempDir Path dir) throws IOException {
        Files.copy(GoldenFiles.dir("bpe_gpt2").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{ not json");
        assertMessage(loadFails(dir), "tokenizer_config.json", "invalid JSON");
    }

    @Test
    void truncatedSentencePieceModel(@TempDir Path dir) throws IOException {
        byte[] model = Files.readAllBytes(GoldenFiles.dir("spm").resolve("tokenizer.model"));
        Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, model.length / 2));
        assertMessage(loadFails(dir), "tokenizer.model", "not a valid SentencePiece model");
    }

    @Test
    void sentencePieceLengthFieldPastTheEndIsRejectedWithoutAllocating(@TempDir Path dir) throws IOException {
        // field 1 (pieces), wire type 2, length varint 0x7FFFFFFF: must fail on the bound check
        Files.write(dir.resolve("tokenizer.model"), new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
        assertMessage(loadFails(dir), "tokenizer.model", "runs past the end");
    }

    private static Metadata.Builder gguf(String model) {
        return new Metadata.Builder("test.gguf").putString("tokenizer.ggml.model", model)
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a", "b", "ab"));
    }

    @Test
    void ggufUnknownModel() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(gguf("bert").build()));
        assertMessage(e, "test.gguf", "unsupported tokenizer model 'bert'");
    }

    @Test
    void ggufUnknownAndMissingPreTokenizer() {
        assertMessage(assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(
                gguf("gpt2").putString("tokenizer.ggml.pre", "falcon").build())), "unknown pre-tokenizer 'falcon'", "qwen2");
        assertMessage(assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(gguf("gpt2").build())),
                "missing tokenizer.ggml.pre");
    }

    @Test
    void ggufTokenTypeCountMismatch() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(gguf("llama")
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, List.of(1, 1)).build()));
        assertMessage(e, "tokenizer.ggml.token_type has 2 entries", "3");
    }

    @Test
    void ggufWrongValueTypeAndBadIds() {
        assertMessage(assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(new Metadata.Builder("x.gguf")
                .putString("tokenizer.ggml.model", "llama").putString("tokenizer.ggml.tokens", "oops").build())),
                "x.gguf", "tokenizer.ggml.tokens");
        assertMessage(assertThrows(TokenizerException.class, () -> Tokenizers.fromGguf(gguf("llama")
                .putUInt32("tokenizer.ggml.bos_token_id", 99).build())), "bos_token_id = 99", "vocabulary of 3");
    }

    @Test
    void badTokenIdInDecode() {
        Tokenizer tok = Tokenizers.fromHuggingFace(GoldenFiles.dir("bpe_gpt2"));
        assertMessage(assertThrows(TokenizerException.class, () -> tok.decode(new int[] {1, 99999})), "99999");
    }
}
