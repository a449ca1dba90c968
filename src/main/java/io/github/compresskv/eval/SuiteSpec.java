package io.github.compresskv.eval;

import io.github.compresskv.needle.NeedleFile;
import io.github.compresskv.needle.Needle;
import io.github.compresskv.needle.PromptLayout;
import io.github.compresskv.eval.longbench.LongBenchSuite;
import io.github.compresskv.eval.niah.NeedleSuite;
import io.github.compresskv.eval.ruler.RulerPrompts;
import io.github.compresskv.eval.ruler.RulerSuite;
import io.github.compresskv.eval.ruler.RulerTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The suite an evaluation asks for by name (niah, ruler, longbench) with its settings as the {@code eval} command's
 * flags give them (null: the default); {@link #build} checks that no flag belongs to another suite and makes it.
 * Newlines written as {@code \n} in needle and layout texts are turned into newlines.
 */
public record SuiteSpec(String suite, int[] lengths, int[] depths, Integer samples, List<String> tasks, Path data, long seed, Path haystack,
                        Path needlesFile, Integer needlesPerCell, String needle, String question, String answer, String layout,
                        String promptStyle, int maxNewTokens, boolean fullAnswers) {

    /** The suite, sized for a model whose context holds {@code context} tokens. */
    public EvalSuite build(int context) {
        String name = suite.toLowerCase(Locale.ROOT);
        // a flag of another suite is a mistake, not something to ignore
        if (!name.equals("niah") && (needle != null || needlesFile != null || needlesPerCell != null || question != null || answer != null || depths != null || fullAnswers)) {
            throw new IllegalArgumentException("--needle(s), --question, --answer, --depths and --full-answers apply to niah only");
        }
        if (name.equals("niah") && (samples != null || tasks != null)) throw new IllegalArgumentException("--samples and --tasks do not apply to niah");
        if (!name.equals("longbench") && data != null) throw new IllegalArgumentException("--data applies to longbench only");
        if (name.equals("longbench") && (lengths != null || haystack != null || layout != null)) {
            throw new IllegalArgumentException("--lengths, --haystack and --layout do not apply to longbench");
        }
        return switch (name) {
            case "niah" -> {
                List<Needle> ns = needleOrPaper();
                if (needlesPerCell != null && needlesFile == null) throw new IllegalArgumentException("--needles-per-cell needs --needles FILE");
                yield new NeedleSuite(lengths != null ? lengths : defaultLengths(context, maxNewTokens),
                        depths != null ? depths : NeedleSuite.PAPER_DEPTHS, ns, needlesPerCell != null ? needlesPerCell : ns.size(),
                        haystackOrWalden(), layoutOrPaper(), maxNewTokens, !fullAnswers);
            }
            case "ruler" -> new RulerSuite(rulerTasks(), lengths != null ? lengths : defaultLengths(context, 0),
                    samples != null ? samples : 5, seed, haystackOrWalden(), new RulerPrompts(style(), layoutOrPaper()));
            case "longbench" -> {
                if (data == null) throw new IllegalArgumentException("eval longbench needs --data DIR (a folder of LongBench <dataset>.jsonl files)");
                yield new LongBenchSuite(data, tasks == null ? List.of() : tasks, samples == null ? 0 : samples);
            }
            default -> throw new IllegalArgumentException("unknown suite '" + suite + "'; valid: niah, ruler, longbench");
        };
    }

    /** What config.json records of a LongBench run (the suite reports no options of its own); empty otherwise. */
    public Map<String, Object> inputs(EvalSuite s) {
        if (!(s instanceof LongBenchSuite lb)) return Map.of();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data.toAbsolutePath().normalize().toString());
        m.put("datasets", lb.datasets());
        m.put("samples_per_dataset", samples == null ? 0 : samples);
        return m;
    }

    /** 1K, 2K, 4K and 8K tokens where they fit the model's context (with room for the answer), else half the context. */
    public static int[] defaultLengths(int context, int answerTokens) {
        int[] fit = Arrays.stream(new int[] {1024, 2048, 4096, 8192}).filter(l -> l + answerTokens < context).toArray();
        return fit.length > 0 ? fit : new int[] {context / 2};
    }

    private List<Needle> needleOrPaper() {
        if (needlesFile != null) {
            if (needle != null || question != null || answer != null) {
                throw new IllegalArgumentException("--needles replaces --needle, --question and --answer: give one or the other");
            }
            if (!Files.isRegularFile(needlesFile)) throw new IllegalArgumentException("--needles: no such file: " + needlesFile);
            try {
                return NeedleFile.read(needlesFile);
            } catch (IOException e) {
                throw new IllegalArgumentException("--needles: cannot read " + needlesFile + ": " + e.getMessage(), e);
            }
        }
        if (needle == null && question == null && answer == null) return List.of(NeedleSuite.PAPER_NEEDLE);
        if (needle == null || question == null || answer == null) {
            throw new IllegalArgumentException("--needle, --question and --answer go together (the sentence, its question, the expected answer)");
        }
        return List.of(new Needle(needle.replace("\\n", "\n"), question, answer));
    }

    private Haystack haystackOrWalden() { return haystack == null ? Haystack.walden() : Haystack.folder(haystack); }

    private PromptLayout layoutOrPaper() { return layout == null ? PromptLayout.PAPER : new PromptLayout(layout.replace("\\n", "\n")); }

    private RulerPrompts.Style style() {
        return switch (promptStyle.toLowerCase(Locale.ROOT)) {
            case "model" -> RulerPrompts.Style.MODEL;
            case "ruler" -> RulerPrompts.Style.RULER;
            default -> throw new IllegalArgumentException("--prompt-style must be model or ruler, got " + promptStyle);
        };
    }

    private List<RulerTask> rulerTasks() {
        if (tasks == null) return List.of(RulerTask.values());
        List<RulerTask> out = new ArrayList<>();
        for (String t : tasks) out.add(RulerTask.byId(t));
        return out;
    }
}
