package io.github.compresskv.tokenizer;

import io.github.compresskv.format.Metadata;
import io.github.compresskv.format.ModelSource;
import io.github.compresskv.format.TensorData;
import java.nio.file.Path;
import java.util.Optional;

/** Loads the tokenizer of a model: from GGUF {@code tokenizer.ggml.*} metadata or a Hugging Face folder. */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer load(ModelSource source) {
        Metadata metadata = source.metadata();
        Optional<Path> dir = source.huggingFaceDir();
        Tokenizer t;
        if (metadata.has(GgufTokenizer.MODEL)) t = fromGguf(metadata);
        else if (dir.isPresent()) t = fromHuggingFace(dir.get());
        else throw new TokenizerException(source.path() + ": no tokenizer (no " + GgufTokenizer.MODEL
                + " metadata and not a Hugging Face folder)");
        requireEmbeddingRows(source, t);
        return t;
    }

    /**
     * Every token id needs a row of the token embedding (more rows than tokens is common: padding); otherwise the
     * first prompt with such a token fails deep in the forward pass.
     */
    private static void requireEmbeddingRows(ModelSource source, Tokenizer t) {
        TensorData embedding = source.tensors().get("token_embd.weight");
        if (embedding == null || embedding.ne().length != 2) return; // the model loader names the bad tensor
        if (t.vocabSize() > embedding.ne()[1]) {
            throw new TokenizerException(source.path() + ": the tokenizer has " + t.vocabSize()
                    + " tokens but token_embd.weight " + embedding.shapeString() + " has only " + embedding.ne()[1] + " rows");
        }
    }

    /** From a Hugging Face folder: tokenizer.json (or tokenizer.model) with tokenizer_config.json and friends. */
    public static Tokenizer fromHuggingFace(Path dir) {
        return HfTokenizerFolder.read(dir).tokenizer();
    }

    /** From GGUF metadata with llama.cpp's tokenizer keys. */
    public static Tokenizer fromGguf(Metadata metadata) {
        return GgufTokenizer.build(metadata);
    }
}
