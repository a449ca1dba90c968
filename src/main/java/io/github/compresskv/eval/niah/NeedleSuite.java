package io.github.compresskv.eval.niah;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.eval.Haystack;
import io.github.compresskv.needle.Needle;
import io.github.compresskv.needle.NeedlePrompt;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.needle.Rouge;
import io.github.compresskv.eval.WordOverlap;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Needle-in-a-haystack as the paper runs it (method notes §7.2): for every context length × depth, the needle is
 * inserted into the haystack by {@link NeedlePrompt} (200-token buffer, sentence boundary) and the question asked in
 * the paper's layout; greedy answers of up to 50 tokens. Per item the score is the paper's plotted word overlap
 * with the expected answer ({@link WordOverlap}); the aggregates also hold the stored score, ROUGE-1 recall of the
 * needle sentence ({@code rouge1_recall}). Items carry the attributes {@code length} and {@code depth} (heat maps).
 */
public final class NeedleSuite implements EvalSuite {
    /** The paper's needle, question and expected answer (the San Francisco needle). */
    public static final Needle PAPER_NEEDLE = new Needle(
            "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.\n",
            "What is the best thing to do in San Francisco?",
            "eat a sandwich and sit in Dolores Park on a sunny day.");
    /** The paper's depths: round(linspace(0, 100, 10)). */
    public static final int[] PAPER_DEPTHS = {0, 11, 22, 33, 44, 56, 67, 78, 89, 100};
    public static final int PAPER_MAX_NEW_TOKENS = 50;

    private final int[] lengths;
    private final int[] depths;
    private final List<Needle> needles;
    private final int perCell;
    private final Haystack haystack;
    private final PromptLayout layout;
    private final int maxNewTokens;
    private final boolean stopAtNewline;

    /**
     * @param stopAtNewline end an answer at its first newline (the embedded model answers in one line and does not
     *                      always emit EOS after it); false decodes all {@code maxNewTokens} as the paper's scripts do
     */
    public NeedleSuite(int[] lengths, int[] depths, Needle needle, Haystack haystack, PromptLayout layout, int maxNewTokens,
                       boolean stopAtNewline) {
        this(lengths, depths, List.of(needle), haystack, layout, maxNewTokens, stopAtNewline);
    }

    /**
     * Several needles: every (length, depth) cell is probed once per needle (the cell's score is their mean), so
     * that accuracy is measured over many answers rather than one (e.g. held-out needles of a trained model).
     */
    public NeedleSuite(int[] lengths, int[] depths, List<Needle> needles, Haystack haystack, PromptLayout layout, int maxNewTokens,
                       boolean stopAtNewline) {
        this(lengths, depths, needles, needles.size(), haystack, layout, maxNewTokens, stopAtNewline);
    }

    /**
     * @param perCell needles probed in each cell, taken round-robin from {@code needles} (cell c uses needles
     *                c·perCell … c·perCell + perCell − 1, modulo their number), so that a grid can use many
     *                different needles at a fixed cost per cell
     */
    public NeedleSuite(int[] lengths, int[] depths, List<Needle> needles, int perCell, Haystack haystack, PromptLayout layout,
                       int maxNewTokens, boolean stopAtNewline) {
        if (needles.isEmpty()) throw new IllegalArgumentException("--needles: no needle given");
        if (perCell < 1 || perCell > needles.size()) {
            throw new IllegalArgumentException("--needles-per-cell must be within 1…" + needles.size() + " (the needles given), got " + perCell);
        }
        this.perCell = perCell;
        if (lengths.length == 0) throw new IllegalArgumentException("--lengths: no length given");
        if (depths.length == 0) throw new IllegalArgumentException("--depths: no depth given");
        for (int d : depths) if (d < 0 || d > 100) throw new IllegalArgumentException("--depths: " + d + " is not within 0…100 %");
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        this.lengths = lengths.clone();
        this.depths = depths.clone();
        this.needles = List.copyOf(needles);
        this.haystack = haystack;
        this.layout = layout;
        this.maxNewTokens = maxNewTokens;
        this.stopAtNewline = stopAtNewline;
    }

    /** The paper's setting at these lengths: its needle, depths, layout and 50 new tokens (no newline stop), over {@code haystack}. */
    public static NeedleSuite paper(int[] lengths, Haystack haystack) {
        return new NeedleSuite(lengths, PAPER_DEPTHS, PAPER_NEEDLE, haystack, PromptLayout.PAPER, PAPER_MAX_NEW_TOKENS, false);
    }

    @Override
    public String name() { return "niah"; }

    @Override
    public List<EvalItem> items(Tokenizer tokenizer, int maxPromptTokens) {
        int longest = Arrays.stream(lengths).max().orElseThrow();
        if (longest > maxPromptTokens) {
            throw new IllegalArgumentException("--lengths: " + longest + " tokens exceed the " + maxPromptTokens
                    + " prompt tokens the model takes (its context minus " + maxNewTokens + " generated tokens)");
        }
        int[] hay = haystack.tokens(tokenizer, longest);
        NeedlePrompt np = new NeedlePrompt(tokenizer, layout);
        List<EvalItem> out = new ArrayList<>();
        int cell = 0;
        for (int length : lengths) {
            for (int depth : depths) {
                for (int j = 0; j < perCell; j++) {
                    int k = (cell * perCell + j) % needles.size();
                    Needle needle = needles.get(k);
                    Map<String, String> attrs = new LinkedHashMap<>();
                    attrs.put("length", Integer.toString(length));
                    attrs.put("depth", Integer.toString(depth));
                    String id = "niah/len" + length + "/depth" + depth;
                    if (needles.size() > 1) {
                        attrs.put("needle", Integer.toString(k));
                        id += "/needle" + k;
                    }
                    String context = np.context(hay, needle, length, depth);
                    // the prompt is NeedlePrompt.prompt's; the split lets question-agnostic runs compress the context alone
                    out.add(new EvalItem(id, "niah", layout.render(context, needle.question()), false,
                            maxNewTokens, List.of(needle.answer()), attrs, layout.questionStart(context)));
                }
                cell++;
            }
        }
        return out;
    }

    @Override
    public double score(EvalItem item, String prediction) {
        return WordOverlap.score(item.references().get(0), prediction);
    }

    @Override
    public Map<String, Double> aggregate(List<ScoredItem> scored) {
        double overlap = 0, rouge = 0, exact = 0;
        for (ScoredItem s : scored) {
            overlap += s.score();
            if (exactAnswer(s.item().references().get(0), s.prediction())) exact++;
            rouge += Rouge.rouge1Recall(needleOf(s.item()).sentence(), s.prediction());
        }
        int n = Math.max(1, scored.size());
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("average", overlap / n);
        out.put("rouge1_recall", rouge / n);
        out.put("exact", exact / n);
        return out;
    }

    /**
     * The embedded model's acceptance criterion (docs/model-card.md): the first line of the answer equals the expected
     * answer after lower-casing, collapsing whitespace and dropping one trailing period.
     */
    static boolean exactAnswer(String expected, String prediction) {
        String line = prediction.strip();
        int nl = line.indexOf('\n');
        if (nl >= 0) line = line.substring(0, nl);
        return normalise(line).equals(normalise(expected));
    }

    private static String normalise(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
        return t.endsWith(".") ? t.substring(0, t.length() - 1).strip() : t;
    }

    private Needle needleOf(EvalItem item) {
        String k = item.attributes().get("needle");
        return k == null ? needles.get(0) : needles.get(Integer.parseInt(k));
    }

    @Override
    public int reservedTokens() { return maxNewTokens; }

    @Override
    public List<String> stopStrings() { return stopAtNewline ? List.of("\n") : List.of(); }

    @Override
    public Map<String, Object> options() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("lengths", Arrays.stream(lengths).boxed().toList());
        o.put("depths", Arrays.stream(depths).boxed().toList());
        if (needles.size() == 1) {
            o.put("needle", needles.get(0).sentence());
            o.put("question", needles.get(0).question());
            o.put("answer", needles.get(0).answer());
        } else {
            o.put("needles", needles.stream().map(n -> List.of(n.sentence(), n.question(), n.answer())).toList());
            o.put("needles_per_cell", perCell);
        }
        o.put("haystack", haystack.name());
        o.put("layout", layout.template());
        o.put("max_new_tokens", maxNewTokens);
        o.put("stop_at_newline", stopAtNewline);
        return o;
    }
}
