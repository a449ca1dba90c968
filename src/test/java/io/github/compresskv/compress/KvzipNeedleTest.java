package io.github.compresskv.compress;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.needle.NeedlePrompt;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.eval.niah.NeedleSuite;
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

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kvzip on the embedded model with a planted needle, question asked only after compression: from a context of about
 * 900 tokens with the paper's needle at 40 % depth, kvzip at B = 48 (about 5 % of the rows; B = 32 answers " eat.") keeps the answer's tokens in
 * the last layer and the answer is exact.
 */
class KvzipNeedleTest {
    static Model model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        model = Model.load(Path.of("models/compresskv-tiny.gguf"));
        tokenizer = Tokenizers.load(model.source());
    }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void kvzipKeepsThePlantedNeedleAndTheAnswerIsExact() {
        int length = 900, depth = 40, budget = 48;
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        String context = np.context(Haystack.walden().tokens(tokenizer, length), NeedleSuite.PAPER_NEEDLE, length, depth);
        String prompt = PromptLayout.PAPER.render(context, NeedleSuite.PAPER_NEEDLE.question());
        int split = PromptLayout.PAPER.questionStart(context);
        int[] contextTokens = tokenizer.encode(prompt.substring(0, split), true, true);
        int[] question = tokenizer.encode(".\n Based on the content of the book, Question: " + NeedleSuite.PAPER_NEEDLE.question() + "\nAnswer:", false, true);
        contextTokens = Arrays.copyOf(contextTokens, contextTokens.length - 1); // ".\n" is one token: its "." goes with the question

        Session session = new Session(model, KvStorage.F32);
        session.prefill(contextTokens);
        ReconstructionScorer scores = new ContextReconstruction(model, tokenizer).score(session.cache(), contextTokens);
        CompressionReport r = scores.compress(scores.compressor(CompressionMethods.byName("kvzip"), Budget.tokens(budget), model.config(),
                CompressionOptions.defaults()), session.cache());
        assertEquals((long) model.config().layers() * model.config().kvHeads() * budget, session.cache().totalRows());

        // the answer's rows: where its tokens (without the final period, which merges with the newline) occur in the context
        String answer = NeedleSuite.PAPER_NEEDLE.answer();
        int[] needle = tokenizer.encode(" " + answer.substring(0, answer.length() - 1), false, false);
        int at = indexOf(contextTokens, needle);
        assertTrue(at > 0, "the answer's tokens are in the context");
        int[] span = {at, at + needle.length};
        int last = model.config().layers() - 1, best = 0;
        for (int g = 0; g < model.config().kvHeads(); g++) {
            int kept = 0;
            for (int p : session.cache().head(last, g).positions()) if (p >= span[0] && p < span[1]) kept++;
            best = Math.max(best, kept);
        }
        assertTrue(best >= (span[1] - span[0]) * 9 / 10, "the last layer keeps the needle (" + best + " of " + (span[1] - span[0]) + " rows): " + r.summary());

        StopConditions stop = new StopConditions(20, tokenizer.endOfGenerationIds(), List.of("\n"));
        String generated = session.generate(question, SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), x -> { }).text();
        assertEquals(" " + answer, generated);
    }

    private static int indexOf(int[] haystack, int[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
