package io.github.compresskv.eval.ruler;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.eval.StringMatch;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RULER-style synthetic tasks (niah single / multi-key / multi-value / multi-query, variable tracking, common and
 * frequent words), {@code samples} seeded items per task and length, scored by RULER's string-match-all. Aggregates:
 * the mean per task and {@code average}, the mean over tasks (RULER's average), all in 0…1.
 */
public final class RulerSuite implements EvalSuite {
    private final List<RulerTask> tasks;
    private final int[] lengths;
    private final int samples;
    private final long seed;
    private final Haystack haystack;
    private final RulerPrompts prompts;

    public RulerSuite(List<RulerTask> tasks, int[] lengths, int samples, long seed, Haystack haystack, RulerPrompts prompts) {
        if (tasks.isEmpty()) throw new IllegalArgumentException("--tasks: no RULER task given");
        if (lengths.length == 0) throw new IllegalArgumentException("--lengths: no length given");
        if (samples < 1) throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        this.tasks = List.copyOf(tasks);
        this.lengths = lengths.clone();
        this.samples = samples;
        this.seed = seed;
        this.haystack = haystack;
        this.prompts = prompts;
    }

    @Override
    public String name() { return "ruler"; }

    @Override
    public List<EvalItem> items(Tokenizer tokenizer, int maxPromptTokens) {
        RulerGenerator g = new RulerGenerator(tokenizer, haystack, WordPools.shipped(), prompts, seed);
        List<EvalItem> out = new ArrayList<>();
        for (RulerTask t : tasks) {
            for (int length : lengths) {
                // a RULER length counts prompt and generation; maxPromptTokens is the context minus the reserve
                if (length > maxPromptTokens + reservedTokens()) {
                    throw new IllegalArgumentException("--lengths: " + length + " tokens (prompt and answer) exceed the model's context of "
                            + (maxPromptTokens + reservedTokens()));
                }
                for (int i = 0; i < samples; i++) out.add(g.item(t, length, i));
            }
        }
        return out;
    }

    @Override
    public double score(EvalItem item, String prediction) {
        return StringMatch.all(prediction, item.references());
    }

    @Override
    public Map<String, Double> aggregate(List<ScoredItem> scored) {
        Map<String, double[]> perTask = new LinkedHashMap<>();
        for (ScoredItem s : scored) {
            double[] acc = perTask.computeIfAbsent(s.item().task(), k -> new double[2]);
            acc[0] += s.score();
            acc[1]++;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        double sum = 0;
        for (var e : perTask.entrySet()) {
            double mean = e.getValue()[0] / e.getValue()[1];
            out.put(e.getKey(), mean);
            sum += mean;
        }
        out.put("average", perTask.isEmpty() ? 0 : sum / perTask.size());
        return out;
    }

    @Override
    public int reservedTokens() { return tasks.stream().mapToInt(RulerTask::maxNewTokens).max().orElse(0); }

    @Override
    public List<String> stopStrings() { return prompts.stops(); }

    @Override
    public Map<String, Object> options() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("tasks", tasks.stream().map(RulerTask::id).toList());
        o.put("lengths", java.util.Arrays.stream(lengths).boxed().toList());
        o.put("samples", samples);
        o.put("seed", seed);
        o.put("haystack", haystack.name());
        o.put("prompt_style", prompts.style().name().toLowerCase(java.util.Locale.ROOT));
        o.put("layout", prompts.layout().template());
        return o;
    }
}
