package io.github.compresskv.eval.ruler;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Builds one RULER-style item from (task, length, sample index, seed), deterministically: random keys, values and
 * depths from a {@link SplittableRandom} seeded by all four, a haystack window starting at a random sentence, and
 * the largest context whose prompt fits {@code length − maxNewTokens} tokens (RULER counts the generation in the
 * sequence length).
 */
public final class RulerGenerator {
    /** Needles of the multi-key / multi-value / multi-query tasks (RULER's num_needle_k/v/q = 4). */
    static final int NEEDLES = 4;
    /** Variables in the tracked chain (RULER's vt: 1 chain, 4 hops). */
    static final int VT_VARIABLES = 5;
    /** Words asked by cwe. */
    static final int COMMON_WORDS = 10;

    private final Tokenizer tokenizer;
    private final Haystack haystack;
    private final WordPools words;
    private final RulerPrompts prompts;
    private final long seed;
    private List<String> sentences;

    public RulerGenerator(Tokenizer tokenizer, Haystack haystack, WordPools words, RulerPrompts prompts, long seed) {
        this.tokenizer = tokenizer;
        this.haystack = haystack;
        this.words = words;
        this.prompts = prompts;
        this.seed = seed;
    }

    /** The item of {@code task} at {@code length} prompt+generation tokens, sample {@code index}. */
    public EvalItem item(RulerTask task, int length, int index) {
        SplittableRandom rng = new SplittableRandom(mix(seed, task.ordinal(), length, index));
        int budget = length - task.maxNewTokens();
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("length", Integer.toString(length));
        attrs.put("sample", Integer.toString(index));
        Built b = switch (task) {
            case NIAH_SINGLE, NIAH_MULTIKEY, NIAH_MULTIVALUE, NIAH_MULTIQUERY -> niah(task, rng, budget);
            case VT -> vt(rng, budget);
            case CWE -> cwe(rng, length, budget);
            case FWE -> fwe(rng, length, budget);
        };
        String id = "ruler/" + task.id() + "/len" + length + "/" + index;
        return new EvalItem(id, task.id(), b.prompt, false, task.maxNewTokens(), b.references, attrs);
    }

    private record Built(String prompt, List<String> references) {}

    // ---- needle tasks ---------------------------------------------------------------------------------------------

    private Built niah(RulerTask task, SplittableRandom rng, int budget) {
        int n = task == RulerTask.NIAH_SINGLE ? 1 : NEEDLES;
        boolean multiValue = task == RulerTask.NIAH_MULTIVALUE;
        List<String> keys = distinct(multiValue ? 1 : n, () -> key(rng));
        List<String> values = distinct(n, () -> number(rng, 7));
        List<String> needles = new ArrayList<>();
        for (int i = 0; i < n; i++) needles.add(prompts.needle(keys.get(multiValue ? 0 : i), values.get(i), multiValue));
        // multi-key asks one of the keys; the others ask every key (one for single and multi-value) for all values
        List<String> asked = keys, refs = values;
        if (task == RulerTask.NIAH_MULTIKEY) {
            int q = rng.nextInt(n);
            asked = List.of(keys.get(q));
            refs = List.of(values.get(q));
        }
        double[] depths = depths(rng, n);
        int start = rng.nextInt(sentences().size());
        List<String> asks = asked;
        List<String> shuffledNeedles = shuffle(needles, rng);
        IntFunction<String> prompt = k -> prompts.niah(context(bookSentences(start, k), shuffledNeedles, depths), asks, multiValue);
        return new Built(fit(prompt, budget, task.id()), refs);
    }

    private Built vt(SplittableRandom rng, int budget) {
        List<String> vars = distinct(VT_VARIABLES, () -> varName(rng));
        String value = number(rng, 5);
        List<String> chain = new ArrayList<>();
        chain.add(prompts.assignValue(vars.get(0), value));
        for (int i = 1; i < vars.size(); i++) chain.add(prompts.assignVar(vars.get(i), vars.get(i - 1)));
        double[] depths = depths(rng, chain.size());
        int start = rng.nextInt(sentences().size());
        IntFunction<String> prompt = k -> prompts.vt(context(prompts.vtUsesNoise() ? noise(k) : bookSentences(start, k), chain, depths),
                value, vars.size());
        return new Built(fit(prompt, budget, "vt"), vars);
    }

    // ---- aggregation tasks ----------------------------------------------------------------------------------------

    private Built cwe(SplittableRandom rng, int length, int budget) {
        // RULER's frequencies (common words 30 times, the others 3); below 4K tokens 10 and 1 so that short lists still
        // hold many distinct rare words
        int freqCommon = length >= 4096 ? 30 : 10, freqRare = length >= 4096 ? 3 : 1;
        List<String> pool = shuffle(allWords(), rng);
        List<String> common = pool.subList(0, COMMON_WORDS);
        List<String> rare = pool.subList(COMMON_WORDS, pool.size());
        long shuffleSeed = rng.nextLong();
        IntFunction<String> prompt = nRare -> {
            List<String> list = new ArrayList<>();
            for (String w : common) for (int i = 0; i < freqCommon; i++) list.add(w);
            for (String w : rare.subList(0, Math.min(nRare, rare.size()))) for (int i = 0; i < freqRare; i++) list.add(w);
            List<String> mixed = shuffle(list, new SplittableRandom(shuffleSeed));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < mixed.size(); i++) sb.append(i == 0 ? "" : " ").append(i + 1).append(". ").append(mixed.get(i));
            return prompts.cwe(sb.toString(), COMMON_WORDS);
        };
        int n = ContextFit.largest(tokenizer, prompt, 0, rare.size(), budget);
        String p = prompt.apply(n);
        requireFits(p, budget, "cwe");
        return new Built(p, List.copyOf(common));
    }

    private Built fwe(SplittableRandom rng, int length, int budget) {
        int vocabSize = Math.max(8, length / 50);
        List<String> vocab = distinct(vocabSize, () -> codedWord(rng));
        // Zipf(α = 2) ranks truncated to the vocabulary; rank 1 is the dots RULER tells the model to ignore
        double[] cdf = new double[vocabSize];
        double sum = 0;
        for (int k = 1; k <= vocabSize; k++) cdf[k - 1] = sum += 1.0 / ((double) k * k);
        int maxWords = budget;
        int[] ranks = new int[maxWords];
        for (int i = 0; i < maxWords; i++) {
            int at = Arrays.binarySearch(cdf, rng.nextDouble() * sum);
            ranks[i] = at >= 0 ? at : -at - 1;
        }
        IntFunction<String> text = n -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(ranks[i] == 0 ? "...." : vocab.get(ranks[i]));
            return prompts.fwe(sb.toString());
        };
        int n = ContextFit.largest(tokenizer, text, 0, maxWords, budget);
        String p = text.apply(n);
        requireFits(p, budget, "fwe");
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) if (ranks[i] != 0) counts.merge(ranks[i], 1, Integer::sum);
        List<String> top = counts.entrySet().stream()
                .sorted(Comparator.<Map.Entry<Integer, Integer>>comparingInt(e -> -e.getValue()).thenComparingInt(Map.Entry::getKey))
                .limit(3).map(e -> vocab.get(e.getKey())).toList();
        return new Built(p, top);
    }

    // ---- pieces ---------------------------------------------------------------------------------------------------

    /** The haystack sentences start … start + k (wrapping around). */
    private List<String> bookSentences(int start, int k) {
        List<String> all = sentences();
        List<String> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) out.add(all.get((start + i) % all.size()));
        return out;
    }

    private static List<String> noise(int k) {
        String[] s = RulerPrompts.RULER_NOISE.split("(?<=\\.) ");
        List<String> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) out.add(s[i % s.length]);
        return out;
    }

    /** Filler sentences with {@code inserts} placed, in order, before filler sentence ⌊depth·k⌋ (depths ascending). */
    static String context(List<String> filler, List<String> inserts, double[] depths) {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        int k = filler.size();
        for (int i = 0; i <= k; i++) {
            while (next < inserts.size() && (int) Math.floor(depths[next] * k) <= i) append(sb, inserts.get(next++));
            if (i < k) append(sb, filler.get(i));
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String s) {
        if (!sb.isEmpty()) sb.append(' ');
        sb.append(s);
    }

    private String fit(IntFunction<String> prompt, int budget, String task) {
        int k = ContextFit.largest(tokenizer, prompt, 0, Math.max(1, budget), budget);
        String p = prompt.apply(k);
        requireFits(p, budget, task);
        return p;
    }

    private void requireFits(String prompt, int budget, String task) {
        int n = ContextFit.tokens(tokenizer, prompt);
        if (n > budget) {
            throw new IllegalArgumentException("--lengths: too short for RULER task " + task + ": its prompt without filler takes "
                    + n + " tokens, more than the " + budget + " left after the generation length");
        }
    }

    private List<String> sentences() {
        if (sentences == null) {
            List<String> out = new ArrayList<>();
            for (String s : haystack.text().replaceAll("\\s+", " ").strip().split("(?<=[.!?])\\s+")) if (!s.isBlank()) out.add(s);
            sentences = out;
        }
        return sentences;
    }

    private List<String> allWords() {
        Set<String> all = new LinkedHashSet<>(words.nouns());
        all.addAll(words.adjectives());
        all.addAll(words.verbs());
        return new ArrayList<>(all);
    }

    private String key(SplittableRandom rng) {
        return words.adjectives().get(rng.nextInt(words.adjectives().size())) + "-" + words.nouns().get(rng.nextInt(words.nouns().size()));
    }

    static String number(SplittableRandom rng, int digits) {
        long lo = (long) Math.pow(10, digits - 1);
        return Long.toString(lo + rng.nextLong(9 * lo));
    }

    private static String varName(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) sb.append((char) ('A' + rng.nextInt(26)));
        return sb.toString();
    }

    private static String codedWord(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) sb.append((char) ('a' + rng.nextInt(26)));
        return sb.toString();
    }

    private static double[] depths(SplittableRandom rng, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = rng.nextDouble();
        Arrays.sort(d);
        return d;
    }

    private static <T> List<T> shuffle(List<T> in, SplittableRandom rng) {
        List<T> out = new ArrayList<>(in);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    private static List<String> distinct(int n, java.util.function.Supplier<String> draw) {
        Set<String> out = new LinkedHashSet<>();
        for (int tries = 0; out.size() < n; tries++) {
            if (tries > 1000 * n) throw new IllegalStateException("cannot draw " + n + " distinct values");
            out.add(draw.get());
        }
        return new ArrayList<>(out);
    }

    private static long mix(long seed, int task, int length, int index) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h = (h ^ task) * 0xBF58476D1CE4E5B9L;
        h = (h ^ length) * 0x94D049BB133111EBL;
        return (h ^ index) * 0x9E3779B97F4A7C15L + index;
    }
}
