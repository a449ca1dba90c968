package io.github.compresskv.eval.ruler;

import io.github.compresskv.needle.PromptLayout;

import java.util.List;

/**
 * How RULER items are worded. {@link Style#MODEL} (default) puts the context and a question into a
 * {@link PromptLayout} (default: the paper's needle layout) with the needle and question phrasings the embedded
 * model was trained on ({@code tools/train/tasks.py}: "The special magic number for K is V.", "One of the special
 * magic numbers for K is V.", "VAR X = V." / "VAR Y = VAR X."), and answers stop at the first newline.
 * {@link Style#RULER} uses RULER's own templates, needles and answer prefixes, for instruction-tuned models.
 */
public record RulerPrompts(Style style, PromptLayout layout) {
    public enum Style { MODEL, RULER }

    public static final RulerPrompts MODEL_DEFAULT = new RulerPrompts(Style.MODEL, PromptLayout.PAPER);
    public static final RulerPrompts RULER = new RulerPrompts(Style.RULER, PromptLayout.PAPER);

    /** The needle sentence stating that {@code key} has {@code value} (niah tasks); {@code multi} for several values of one key. */
    String needle(String key, String value, boolean multi) {
        if (style == Style.RULER) return "One of the special magic numbers for " + key + " is: " + value + ".";
        return multi ? "One of the special magic numbers for " + key + " is " + value + "."
                : "The special magic number for " + key + " is " + value + ".";
    }

    String assignValue(String var, String value) {
        return "VAR " + var + " = " + value + ".";
    }

    String assignVar(String var, String from) {
        return "VAR " + var + " = VAR " + from + ".";
    }

    /** The haystack of variable tracking: the book (model style) or RULER's repeated noise sentences. */
    boolean vtUsesNoise() { return style == Style.RULER; }

    static final String RULER_NOISE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

    /** The full prompt of a niah task asking for the values of {@code keys} (one key unless multi-query). */
    String niah(String context, List<String> keys, boolean multiValue) {
        String query = join(keys);
        if (style == Style.RULER) {
            return "Some special magic numbers are hidden within the following text. Make sure to memorize it. I will quiz you about the numbers afterwards.\n"
                    + context + "\nWhat are all the special magic numbers for " + query + " mentioned in the provided text?"
                    + " The special magic numbers for " + query + " mentioned in the provided text are";
        }
        String q = keys.size() == 1 && !multiValue ? "What is the special magic number for " + query + "?"
                : "What are all the special magic numbers for " + query + "?";
        return layout.render(context, q);
    }

    String vt(String context, String value, int variables) {
        if (style == Style.RULER) {
            return "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n" + context
                    + "\nQuestion: Find all variables that are assigned the value " + value + " in the text above."
                    + " Answer: According to the chain(s) of variable assignment in the text above, " + variables
                    + " variables are assgined the value " + value + ", they are: ";
        }
        return layout.render(context, "Which variables are assigned the value " + value + "?");
    }

    String cwe(String context, int common) {
        if (style == Style.RULER) {
            return "Below is a numbered list of words. In these words, some appear more often than others. Memorize the ones that appear most often.\n"
                    + context + "\nQuestion: What are the " + common + " most common words in the above list? Answer: The top " + common
                    + " words that appear most often in the list are:";
        }
        return layout.render(context, "What are the " + common + " most common words in the list?");
    }

    String fwe(String context) {
        if (style == Style.RULER) {
            return "Read the following coded text and track the frequency of each coded word. Find the three most frequently appeared coded words. "
                    + context + "\nQuestion: Do not provide any explanation. Please ignore the dots '....'. What are the three most frequently appeared words in the above coded text?"
                    + " Answer: According to the coded text above, the three most frequently appeared words are:";
        }
        return layout.render(context, "Ignoring the dots, what are the three most frequent coded words in the text?");
    }

    /** Stop strings of a generation: the model style's answers are one line. */
    List<String> stops() { return style == Style.MODEL ? List.of("\n") : List.of(); }

    /** "a", "a and b", "a, b and c" (model style) or RULER's "a, b, and c". */
    private String join(List<String> keys) {
        if (keys.size() == 1) return keys.get(0);
        String head = String.join(", ", keys.subList(0, keys.size() - 1));
        return head + (style == Style.RULER ? ", and " : " and ") + keys.get(keys.size() - 1);
    }
}
