package io.github.compresskv.eval;

import io.github.compresskv.needle.NeedlePrompt;
import io.github.compresskv.needle.PromptLayout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionOptions;
import io.github.compresskv.compress.ContextReconstruction;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.eval.niah.NeedleSuite;
import io.github.compresskv.format.ModelSources;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Question-agnostic evaluation on the embedded model: one prefill (of the context) per item, each prediction equal to
 * compressing the context alone and only then appending the question (re-computed by hand for a window scorer and for
 * kvzip), the mode recorded in config.json, and NIAH items that split without changing their prompts.
 */
class QuestionAgnosticEvalTest {
    static Model model;
    static Tokenizer tokenizer;
    static final List<String> METHODS = List.of("full", "snapkv", "kvzip");
    static final int BUDGET = 24;

    @BeforeAll
    static void load() {
        model = Model.load(ModelSources.open(Path.of("models/compresskv-tiny.gguf")), new Parallel(2));
        tokenizer = Tokenizers.load(model.source());
    }

    @AfterAll
    static void close() { model.close(); }

    /** Two short needle prompts in the paper's layout, split where the question part begins. */
    static final class SplitSuite implements EvalSuite {
        @Override
        public String name() { return "split"; }

        @Override
        public List<EvalItem> items(Tokenizer t, int maxPromptTokens) {
            List<EvalItem> out = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String context = "The rain fell on the quiet river. ".repeat(3 + i) + "\nThe best thing to do in Oslo is paint a quiet lantern.\n"
                        + "The wind moved over the grey fields. ".repeat(4);
                String prompt = PromptLayout.PAPER.render(context, "What is the best thing to do in Oslo?");
                out.add(new EvalItem("split/" + i, "split", prompt, false, 6, List.of("paint a quiet lantern."), Map.of("length", "100"),
                        PromptLayout.PAPER.questionStart(context)));
            }
            return out;
        }

        @Override
        public double score(EvalItem item, String prediction) { return prediction.contains("lantern") ? 1 : 0; }

        @Override
        public Map<String, Double> aggregate(List<ScoredItem> scored) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("average", scored.stream().mapToDouble(ScoredItem::score).average().orElse(0));
            return m;
        }

        @Override
        public List<String> stopStrings() { return List.of("\n"); }
    }

    static EvalSettings settings() { return new EvalSettings(METHODS, List.of(BUDGET), CompressionOptions.defaults(), KvStorage.F32); }

    @Test
    void theQuestionIsAppendedToEachCompressedForkAfterOnePrefillOfTheContext(@TempDir Path dir) throws IOException {
        EvalSettings s = settings();
        SplitSuite suite = new SplitSuite();
        EvalRunner r = new EvalRunner(model, tokenizer, suite, s, true);
        List<EvalItem> items = r.items();
        try (RunFolder f = RunFolder.open(dir, RunConfig.of(suite, s, Path.of("models/compresskv-tiny.gguf"), "test", Map.of(), true))) {
            r.run(items, f, null);
            assertEquals(2, r.prefills(), "one prefill per item");
            assertEquals(2, r.reconstructions(), "one reconstruction pass per item serves every kvzip budget");
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve(RunFolder.PREDICTIONS), StandardCharsets.UTF_8)) {
            JsonNode p = json.readTree(line);
            answers.put(p.get("id").asText() + "|" + p.get("method").asText(), p.get("prediction").asText());
            if (!p.get("method").asText().equals("full")) assertTrue(p.get("kv_fraction").asDouble() < 1, line);
        }
        assertEquals(6, answers.size());
        assertTrue(json.readTree(dir.resolve(RunFolder.CONFIG).toFile()).at("/run/question_agnostic").asBoolean());

        // by hand: prefill the context, compress, then append the question tokens and answer greedily
        EvalItem item = items.get(1);
        int[] prompt = r.promptTokens(item);
        int split = r.contextTokens(item, prompt);
        int[] context = Arrays.copyOf(prompt, split), question = Arrays.copyOfRange(prompt, split, prompt.length);
        // the split is at the prompt's "\n Based on ..."; the byte-level BPE token ".\n" straddles it and goes to the question part
        String questionText = item.prompt().substring(item.questionStart());
        assertEquals("." + questionText, tokenizer.decode(question, true));
        StopConditions stop = new StopConditions(item.maxNewTokens(), tokenizer.endOfGenerationIds(), List.of("\n"));

        Session snap = new Session(model, KvStorage.F32);
        KvCompressor c = KvCompressor.create(CompressionMethods.byName("snapkv"), Budget.tokens(BUDGET), model.config(), CompressionOptions.defaults());
        snap.prefill(context, c);
        c.finish(snap.cache());
        assertEquals(answers.get(item.id() + "|snapkv"), snap.generate(question, SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), x -> { }).text(),
                "snapkv's window is the context's end; the question comes after the eviction");

        Session zip = new Session(model, KvStorage.F32);
        zip.prefill(context);
        ReconstructionScorer scores = new ContextReconstruction(model, tokenizer).score(zip.cache(), context);
        scores.compress(scores.compressor(CompressionMethods.byName("kvzip"), Budget.tokens(BUDGET), model.config(), CompressionOptions.defaults()), zip.cache());
        assertEquals(split - 8 <= BUDGET ? split : BUDGET, zip.cache().rows(0, 0));
        assertEquals(answers.get(item.id() + "|kvzip"), zip.generate(question, SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), x -> { }).text());

        Session full = new Session(model, KvStorage.F32);
        full.prefill(context);
        assertEquals(answers.get(item.id() + "|full"), full.generate(question, SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), x -> { }).text());
    }

    @Test
    void kvzipTakesSelectionUnitsLikeEveryScorer(@TempDir Path dir) throws IOException {
        EvalSettings s = new EvalSettings(List.of("kvzip"), List.of(BUDGET), List.of(SelectionUnit.token(), SelectionUnit.fromLabel("sentence")),
                CompressionOptions.defaults(), KvStorage.F32);
        SplitSuite suite = new SplitSuite();
        EvalRunner r = new EvalRunner(model, tokenizer, suite, s, true);
        try (RunFolder f = RunFolder.open(dir, RunConfig.of(suite, s, Path.of("models/compresskv-tiny.gguf"), "test", Map.of(), true))) {
            r.run(r.items(), f, null);
            assertEquals(2, r.reconstructions(), "one pass per item serves both units");
            assertEquals(4, f.predictions().size());
            assertEquals(java.util.Set.of("token", "sentence"), f.predictions().stream().map(Prediction::unit).collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void kvzipNeedsTheQuestionAgnosticModeAndSplitItems() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EvalRunner(model, tokenizer, new SplitSuite(), settings()));
        assertTrue(e.getMessage().contains("--question-agnostic"), e.getMessage());
        EvalItem unsplit = new EvalItem("x", "x", "Some text. Question: what?\nAnswer:", false, 4, List.of("y"), Map.of());
        EvalRunner r = new EvalRunner(model, tokenizer, new SplitSuite(), settings(), true);
        IllegalArgumentException noSplit = assertThrows(IllegalArgumentException.class, () -> r.contextTokens(unsplit, r.promptTokens(unsplit)));
        assertTrue(noSplit.getMessage().contains("does not split"), noSplit.getMessage());
    }

    @Test
    void needleItemsSplitAtTheQuestionWithTheirPromptsUnchanged() {
        NeedleSuite suite = new NeedleSuite(new int[] {300}, new int[] {0, 50}, NeedleSuite.PAPER_NEEDLE, Haystack.walden(), PromptLayout.PAPER, 20, true);
        NeedlePrompt np = new NeedlePrompt(tokenizer, PromptLayout.PAPER);
        int[] hay = Haystack.walden().tokens(tokenizer, 300);
        int i = 0;
        for (EvalItem item : suite.items(tokenizer, 1000)) {
            int depth = new int[] {0, 50}[i++];
            assertEquals(np.prompt(hay, NeedleSuite.PAPER_NEEDLE, 300, depth), item.prompt(), "the prompt is what it was (resumable runs)");
            String question = item.prompt().substring(item.questionStart());
            assertEquals("\n Based on the content of the book, Question: " + NeedleSuite.PAPER_NEEDLE.question() + "\nAnswer:", question);
            assertTrue(item.prompt().substring(0, item.questionStart()).endsWith(" </book>."));
        }
        assertEquals(-1, new PromptLayout("Q: {question}\n{context}\nA:").questionStart("ctx"), "a question before the context cannot be split");
        assertEquals(11, new PromptLayout("<doc>{context} Q: {question}").questionStart("ab"), "no newline: the question part starts at the question");
        assertFalse(new EvalItem("x", "x", "p", false, 1, List.of(), Map.of()).questionStart() >= 0);
    }
}
