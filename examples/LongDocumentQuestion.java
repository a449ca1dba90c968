import io.github.compresskv.api.Answer;
import io.github.compresskv.api.Compression;
import io.github.compresskv.api.Context;
import io.github.compresskv.api.GenerationOptions;
import io.github.compresskv.api.LanguageModel;
import io.github.compresskv.api.PrefillReport;
import io.github.compresskv.api.Prompt;

import java.nio.file.Files;
import java.nio.file.Path;

/** Answers a question about a 4 215-token book excerpt from a KV cache compressed by CompressKV. */
public class LongDocumentQuestion {
    public static void main(String[] args) throws Exception {
        // a Walden excerpt with one sentence hidden in it, followed by a question about that sentence
        String prompt = Files.readString(Path.of("examples/needle-walden-4k.txt"));

        try (LanguageModel model = LanguageModel.load(Path.of("models/compresskv-tiny.gguf"))) {
            Context context = model.newContext();
            // prefill once, then keep 256 tokens per KV head per layer, chosen as whole sentences
            PrefillReport report = context.prefill(Prompt.text(prompt),
                    Compression.method("compresskv").budget(256).unit("sentence"));
            System.out.printf("%d prompt tokens, KV cache %d -> %d bytes (%.1f %%)%n", report.tokens(),
                    report.kvBytesBefore(), report.kvBytesAfter(), 100 * report.keptFraction());

            Answer answer = context.generate(GenerationOptions.greedy().maxTokens(24).stop("\n"));
            System.out.println("Answer:" + answer.text());
        }
    }
}
