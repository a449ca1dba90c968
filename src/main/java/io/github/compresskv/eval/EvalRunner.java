package io.github.compresskv.eval;

import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionReport;
import io.github.compresskv.compress.CompressionSpec;
import io.github.compresskv.compress.ContextReconstruction;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.compress.SentenceEnds;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.SamplerConfig;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.SharedPrefillObserver;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a suite over methods × units × budgets: per item ONE prefill (every compressor records its scores from it through a
 * {@link SharedPrefillObserver}), then per (method, budget) a fork of the session, the compressor's eviction on the
 * fork (none for {@code full}), a greedy generation and the suite's score, appended to the run folder at once.
 * Work already in the folder is skipped; an item whose combinations are all done is not even prefilled.
 *
 * <p>Question-agnostic mode: the item's prompt is split where its question part begins ({@link EvalItem#questionStart});
 * the context alone is prefilled once, each (method, budget) compresses a fork of it — window scorers see the
 * context's last tokens, which know nothing of the question; reconstructing methods (kvzip) score from one
 * reconstruction pass per item ({@link ContextReconstruction}) — and only then is the question appended to the
 * compressed fork and the answer generated. The tokens are those of the whole prompt, split (never re-tokenized apart).
 */
public final class EvalRunner {

    /** Called after every (item, method, budget), resumed ones included ({@code resumed} = true, {@code p} null then). */
    @FunctionalInterface
    public interface Progress {
        void done(int done, int total, EvalItem item, EvalSettings.Combo combo, Prediction p, boolean resumed);
    }

    private final Model model;
    private final Tokenizer tokenizer;
    private final EvalSuite suite;
    private final EvalSettings settings;
    private final boolean questionAgnostic;
    private int prefills;
    private int reconstructions;
    private long reconstructionNanos;

    public EvalRunner(Model model, Tokenizer tokenizer, EvalSuite suite, EvalSettings settings) {
        this(model, tokenizer, suite, settings, false);
    }

    /** @param questionAgnostic compress each item's context before its question is appended (see the class comment) */
    public EvalRunner(Model model, Tokenizer tokenizer, EvalSuite suite, EvalSettings settings, boolean questionAgnostic) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.suite = suite;
        this.settings = settings;
        this.questionAgnostic = questionAgnostic;
        // a method that cannot be built (e.g. compresskv without profiles) fails now, not after the first prefill
        for (EvalSettings.Combo c : settings.combos()) {
            if (!c.compresses()) continue;
            CompressionSpec s = spec(c);
            if (s.reconstructs() && !questionAgnostic) {
                throw new IllegalArgumentException("--methods " + s.method().name() + " needs --question-agnostic: it compresses a context before its question is known");
            }
            s.check();
        }
    }

    /** The items of this run, built once (the suite's construction is deterministic). */
    public List<EvalItem> items() {
        int room = model.config().contextLength() - suite.reservedTokens();
        if (room < 1) {
            throw new IllegalArgumentException("the model's context of " + model.config().contextLength() + " tokens leaves no room for prompts next to the "
                    + suite.reservedTokens() + " tokens the " + suite.name() + " suite reserves for answers");
        }
        return suite.items(tokenizer, room);
    }

    /** Prefills done by {@link #run} so far (one per item that had work left). */
    public int prefills() { return prefills; }

    /** Reconstruction passes done so far (question-agnostic runs with kvzip: one per item that had work for it). */
    public int reconstructions() { return reconstructions; }

    /** Time spent in reconstruction passes so far. */
    public long reconstructionNanos() { return reconstructionNanos; }

    /** Runs every item not yet done in {@code folder}. */
    public void run(List<EvalItem> items, RunFolder folder, Progress progress) {
        List<EvalSettings.Combo> combos = settings.combos();
        int total = items.size() * combos.size();
        int done = 0;
        for (EvalItem item : items) {
            List<EvalSettings.Combo> todo = new ArrayList<>();
            for (EvalSettings.Combo c : combos) {
                if (folder.isDone(item.id(), c.variant(), c.budget())) {
                    done++;
                    if (progress != null) progress.done(done, total, item, c, null, true);
                } else {
                    todo.add(c);
                }
            }
            if (todo.isEmpty()) continue;
            for (Prediction p : runItem(item, todo)) {
                folder.append(p);
                done++;
                if (progress != null) progress.done(done, total, item, new EvalSettings.Combo(p.method(), SelectionUnit.fromLabel(p.unit()), p.budget()), p, false);
            }
        }
    }

    /** One item under the given combinations, from one prefill. */
    List<Prediction> runItem(EvalItem item, List<EvalSettings.Combo> combos) {
        int[] prompt = promptTokens(item);
        int context = model.config().contextLength();
        if (prompt.length + item.maxNewTokens() > context) {
            throw new IllegalArgumentException("item " + item.id() + ": " + prompt.length + " prompt tokens plus " + item.maxNewTokens()
                    + " generated tokens exceed the model's context of " + context);
        }
        if (questionAgnostic) return runQuestionAgnostic(item, prompt, combos);
        List<KvCompressor> compressors = new ArrayList<>();
        SentenceEnds ends = combos.stream().anyMatch(c -> c.unit().kind() == SelectionUnit.Kind.SENTENCE) ? SentenceEnds.of(tokenizer, prompt) : null;
        for (EvalSettings.Combo c : combos) compressors.add(c.compresses() ? compressor(c, ends) : null);
        List<KvCompressor> observing = compressors.stream().filter(java.util.Objects::nonNull).toList();
        Session session = new Session(model, settings.storage());
        long t0 = System.nanoTime();
        session.prefill(prompt, observing.isEmpty() ? null : new SharedPrefillObserver(observing));
        prefills++;
        double prefillMs = (System.nanoTime() - t0) / 1e6;
        StopConditions stop = new StopConditions(item.maxNewTokens(), tokenizer.endOfGenerationIds(), stopStrings(item));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < combos.size(); i++) {
            EvalSettings.Combo c = combos.get(i);
            Session fork = i == combos.size() - 1 ? session : session.fork(); // the last one may use the original
            double kvFraction = 1;
            KvCompressor compressor = compressors.get(i);
            if (compressor != null) {
                CompressionReport r = fork.compress(compressor).report();
                kvFraction = r.bytesBefore() == 0 ? 1 : (double) r.bytesAfter() / r.bytesBefore();
            }
            GenerationResult g = fork.generate(SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), s -> { });
            String text = g.text();
            out.add(new Prediction(item.id(), item.task(), c.method(), c.unit().label(), c.budget(), text, suite.score(item, text), kvFraction,
                    prompt.length, g.generatedTokens(), prefillMs, g.decodeMs(), item.attributes()));
        }
        return out;
    }

    /** One item from one prefill of its context: compress each fork, then append the question and answer. */
    private List<Prediction> runQuestionAgnostic(EvalItem item, int[] prompt, List<EvalSettings.Combo> combos) {
        int split = contextTokens(item, prompt);
        int[] context = Arrays.copyOf(prompt, split), question = Arrays.copyOfRange(prompt, split, prompt.length);
        List<CompressionSpec> specs = combos.stream().map(this::spec).toList();
        List<KvCompressor> compressors = new ArrayList<>();
        SentenceEnds ends = combos.stream().anyMatch(c -> c.unit().kind() == SelectionUnit.Kind.SENTENCE) ? SentenceEnds.of(tokenizer, context) : null;
        for (int i = 0; i < combos.size(); i++) {
            // reconstructing methods get their compressor once the pass has scored the context
            compressors.add(specs.get(i).compresses() && !specs.get(i).reconstructs() ? compressor(combos.get(i), ends) : null);
        }
        List<KvCompressor> observing = compressors.stream().filter(java.util.Objects::nonNull).toList();
        Session session = new Session(model, settings.storage());
        long t0 = System.nanoTime();
        session.prefill(context, observing.isEmpty() ? null : new SharedPrefillObserver(observing));
        prefills++;
        double prefillMs = (System.nanoTime() - t0) / 1e6;
        ReconstructionScorer scores = null;
        double reconstructionMs = 0;
        if (specs.stream().anyMatch(x -> x.compresses() && x.reconstructs())) {
            scores = new ContextReconstruction(model, tokenizer).score(session.cache(), context);
            reconstructions++;
            reconstructionNanos += scores.nanos();
            reconstructionMs = scores.nanos() / 1e6;
        }
        StopConditions stop = new StopConditions(item.maxNewTokens(), tokenizer.endOfGenerationIds(), stopStrings(item));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < combos.size(); i++) {
            EvalSettings.Combo c = combos.get(i);
            Session fork = i == combos.size() - 1 ? session : session.fork();
            CompressionReport r = null;
            boolean reconstructing = specs.get(i).compresses() && specs.get(i).reconstructs();
            if (reconstructing) {
                KvCompressor k = spec(c).compressor(scores, model.config(), null, null);
                r = fork.compress(scores.feed(ends == null ? k : k.sentences(ends), fork.cache())).report();
            } else if (compressors.get(i) != null) {
                r = fork.compress(compressors.get(i)).report();
            }
            double kvFraction = r == null || r.bytesBefore() == 0 ? 1 : (double) r.bytesAfter() / r.bytesBefore();
            GenerationResult g = fork.generate(question, SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), s -> { });
            String text = g.text();
            // a reconstructing method's prefill time includes its pass: the work it needs before the first question
            out.add(new Prediction(item.id(), item.task(), c.method(), c.unit().label(), c.budget(), text, suite.score(item, text), kvFraction,
                    prompt.length, g.generatedTokens(), prefillMs + (reconstructing ? reconstructionMs : 0), g.decodeMs(), item.attributes()));
        }
        return out;
    }

    /**
     * Tokens of the item's context part: the longest prefix of the prompt's tokens that its context text tokenizes to
     * (a token that straddles the split goes to the question part: with byte-level BPE the {@code ".\n"} of the paper's
     * {@code " </book>.\n Based on ..."}), at least one token and leaving at least one.
     */
    int contextTokens(EvalItem item, int[] prompt) {
        if (item.questionStart() < 0) {
            throw new IllegalArgumentException("--question-agnostic: the " + suite.name() + " suite does not split item " + item.id()
                    + " into context and question (niah does, with a layout that puts the context first)");
        }
        if (item.chat()) throw new IllegalArgumentException("--question-agnostic: item " + item.id() + " is wrapped in a chat template; only plain prompts split");
        int[] context = PromptTokens.raw(tokenizer, item.prompt().substring(0, item.questionStart()));
        int k = 0;
        while (k < context.length && k < prompt.length && context[k] == prompt[k]) k++;
        if (k < 1 || k >= prompt.length) {
            throw new IllegalArgumentException("--question-agnostic: item " + item.id() + " has no question after its context (" + k + " of "
                    + prompt.length + " tokens)");
        }
        return k;
    }

    /** The compressor of one combination, reading sentences from {@code ends} (the prompt's) when its unit needs them. */
    private KvCompressor compressor(EvalSettings.Combo c, SentenceEnds ends) {
        KvCompressor k = spec(c).compressor(model.config(), null, null);
        return ends == null ? k : k.sentences(ends);
    }

    /** The compression of one combination. */
    private CompressionSpec spec(EvalSettings.Combo c) {
        return CompressionSpec.of(c.method(), c.compresses() ? Budget.tokens(c.budget()) : null, settings.options().withUnit(c.unit()).forMethod(c.method()));
    }

    /** The suite's stop strings, and a newline for items marked {@code stop_on_newline=true} (LongBench's samsum). */
    private List<String> stopStrings(EvalItem item) {
        List<String> stops = new ArrayList<>(suite.stopStrings());
        if ("true".equals(item.attributes().get(STOP_ON_NEWLINE)) && !stops.contains("\n")) stops.add("\n");
        return stops;
    }

    /** Item attribute asking to end the answer at its first newline. */
    public static final String STOP_ON_NEWLINE = "stop_on_newline";

    /** The prompt's tokens: raw with the model's BOS rule, or through its chat template (plain fallback without one). */
    int[] promptTokens(EvalItem item) {
        if (!item.chat()) return PromptTokens.raw(tokenizer, item.prompt());
        return PromptTokens.chat(tokenizer, List.of(new ChatTemplate.Message("user", item.prompt())));
    }
}
