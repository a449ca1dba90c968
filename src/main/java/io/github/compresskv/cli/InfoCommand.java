package io.github.compresskv.cli;

import io.github.compresskv.cache.KvStorage;

import io.github.compresskv.format.GgufFile;
import io.github.compresskv.format.ModelSource;
import io.github.compresskv.format.TensorData;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.tensor.GgmlType;
import io.github.compresskv.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code compresskv info}: what a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's architecture, sizes, tensor types, tokenizer and context length.")
final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--tensors", description = "Also list every tensor with its type and shape.")
    boolean listTensors;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        try (LoadedModel lm = LoadedModel.open(modelOptions, System.err)) {
            ModelSource src = lm.model().source();
            ModelConfig c = lm.model().config();
            out.println("model:          " + src.path());
            out.println("format:         " + (src instanceof GgufFile g ? "GGUF v" + g.version() + " (alignment " + g.alignment() + ")"
                    : "Hugging Face folder (safetensors)"));
            String name = src.metadata().getString("general.name", null);
            if (name != null) out.println("name:           " + name);
            out.println("architecture:   " + c.architecture());
            out.println("layers:         " + c.layers());
            out.println("hidden size:    " + c.dim());
            out.println("attention:      " + c.heads() + " query heads, " + c.kvHeads() + " KV heads (group " + c.groupSize()
                    + "), head size " + c.headDim() + (c.qkvBias() ? ", q/k/v biases" : "") + (c.qkNorm() ? ", q/k RMSNorm" : ""));
            out.println("feed-forward:   " + c.ffnDim() + " (SwiGLU)");
            out.println("vocabulary:     " + c.vocab());
            out.println("context length: " + c.contextLength());
            out.println("rope:           " + c.ropeStyle() + ", theta " + c.ropeTheta());
            out.println("embeddings:     " + (c.tiedEmbeddings() ? "tied (output = token embedding)" : "separate output matrix"));

            long params = 0;
            long bytes = 0;
            Map<GgmlType, Integer> typeCounts = new TreeMap<>();
            Map<GgmlType, Long> typeBytes = new TreeMap<>();
            for (TensorData t : src.tensors().values()) {
                params += t.elementCount();
                long b = t.data().byteSize();
                bytes += b;
                typeCounts.merge(t.type(), 1, Integer::sum);
                typeBytes.merge(t.type(), b, Long::sum);
            }
            out.println("parameters:     " + Units.count(params) + " (" + params + ")");
            out.println("weight bytes:   " + Units.bytes(bytes));
            StringBuilder types = new StringBuilder();
            typeCounts.forEach((t, n) -> types.append(types.isEmpty() ? "" : ", ").append(t).append(" ×").append(n)
                    .append(" (").append(Units.bytes(typeBytes.get(t))).append(')'));
            out.println("tensor types:   " + types);
            out.println("KV per token:   " + KvTypes.perToken(c) + "; full context " + Units.bytes(KvStorage.F32.bytesFor(c.contextLength(), c.headDim())
                    * c.layers() * c.kvHeads()) + " (F32)");

            Tokenizer tok = lm.tokenizer();
            out.println("tokenizer:      " + tok.description() + ", " + tok.vocabSize() + " tokens");
            out.println("special tokens: BOS " + describe(tok, tok.bos()) + ", EOS " + describe(tok, tok.eos())
                    + ", end of generation " + tok.endOfGenerationIds()
                    + (tok.addBosByDefault() ? "; BOS added to prompts" : "; no BOS added"));
            out.println("chat template:  " + (tok.chatTemplate().isPresent() ? "yes (" + tok.chatTemplate().get().source().length()
                    + " characters)" : "none (plain prompt fallback)"));

            if (listTensors) {
                out.println();
                out.printf("%-40s %-6s %-20s %s%n", "tensor", "type", "shape (ggml order)", "bytes");
                for (TensorData t : src.tensors().values()) {
                    out.printf("%-40s %-6s %-20s %s%n", t.name(), t.type(), t.shapeString(), Units.bytes(t.data().byteSize()));
                }
            }
        }
        return 0;
    }

    private static String describe(Tokenizer tok, int id) {
        return id < 0 ? "none" : id + " " + tok.piece(id);
    }
}
