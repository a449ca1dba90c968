package io.github.compresskv.eval;

import io.github.compresskv.compress.Budget;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionReport;
import io.github.compresskv.compress.KvCompressor;
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
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a suite over methods × units × budgets: per item ONE prefill (every compressor records its scores from it through a
 * {@link SharedPrefillObserver}), then per (method, budget) a fork of the session, the compressor's eviction on the
 * fork (none for {@code full}), a greedy generation and the suite's score, appended to the run folder at once.
 * Work already in the folder is skipped; an item whose combinations are all done is not even prefilled.
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
    private int prefills;

    public EvalRunner(Model model, Tokenizer tokenizer, EvalSuite suite, EvalSettings settings) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.suite = suite;
        this.settings = settings;
        // a method that cannot be built (e.g. compresskv without profiles) fails now, not after the first prefill
        for (EvalSettings.Combo c : settings.combos()) {
            if (c.compresses()) compressor(c, null);
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
                CompressionReport r = compressor.finish(fork.cache());
                kvFraction = r.bytesBefore() == 0 ? 1 : (double) r.bytesAfter() / r.bytesBefore();
            }
            GenerationResult g = fork.generate(SamplerConfig.greedy(), stop, TokenDecoder.of(tokenizer), s -> { });
            String text = g.text();
            out.add(new Prediction(item.id(), item.task(), c.method(), c.unit().label(), c.budget(), text, suite.score(item, text), kvFraction,
                    prompt.length, g.generatedTokens(), prefillMs, g.decodeMs(), item.attributes()));
        }
        return out;
    }

    /** The compressor of one combination, reading sentences from {@code ends} (the prompt's) when its unit needs them. */
    private KvCompressor compressor(EvalSettings.Combo c, SentenceEnds ends) {
        KvCompressor k = KvCompressor.create(CompressionMethods.byName(c.method()), Budget.tokens(c.budget()), model.config(),
                settings.options().withUnit(c.unit()));
        return ends == null ? k : k.sentences(ends);
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
        if (!item.chat()) return tokenizer.encode(item.prompt(), tokenizer.addBosByDefault(), true);
        boolean own = tokenizer.chatTemplate().isPresent();
        String rendered = tokenizer.chatTemplate().orElseGet(ChatTemplate::plainFallback)
                .render(List.of(new ChatTemplate.Message("user", item.prompt())), true);
        return tokenizer.encode(rendered, !own && tokenizer.addBosByDefault(), true);
    }
}
