package io.github.compresskv.needle;

import io.github.compresskv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * The needle-in-a-haystack context construction of the paper's scripts (method notes §3.2 and §7.2), on tokens:
 * trim the haystack to the context length, keep a 200-token buffer for the prompt text, insert the needle at
 * ⌊|haystack| · depth / 100⌋ moved back to just after a "." token (depth 100 appends), decode back to text, and
 * place the text in the prompt layout.
 */
public final class NeedlePrompt {
    /** Tokens left for the prompt text around the context (the original scripts' buffer). */
    public static final int BUFFER = 200;

    private final Tokenizer tokenizer;
    private final PromptLayout layout;
    private final int[] periodTokens;

    public NeedlePrompt(Tokenizer tokenizer, PromptLayout layout) {
        this.tokenizer = tokenizer;
        this.layout = layout;
        this.periodTokens = tokenizer.encode(".", false, false);
    }

    /**
     * The context tokens: {@code haystack} (at least {@code contextLength} tokens are used when present) with
     * {@code needle} inserted at {@code depthPercent}.
     */
    public int[] contextTokens(int[] haystack, int[] needle, int contextLength, int depthPercent) {
        if (depthPercent < 0 || depthPercent > 100) throw new IllegalArgumentException("depth must be 0…100 %, got " + depthPercent);
        if (contextLength <= BUFFER + needle.length) {
            throw new IllegalArgumentException("context length " + contextLength + " leaves no room for a haystack (needs > "
                    + (BUFFER + needle.length) + " tokens: the " + BUFFER + "-token buffer and the " + needle.length + "-token needle)");
        }
        int[] hay = Arrays.copyOf(haystack, Math.min(haystack.length, contextLength));
        int target = contextLength - BUFFER;
        if (hay.length + needle.length > target) hay = Arrays.copyOf(hay, target - needle.length);
        int[] out = new int[hay.length + needle.length];
        if (depthPercent == 100) {
            System.arraycopy(hay, 0, out, 0, hay.length);
            System.arraycopy(needle, 0, out, hay.length, needle.length);
            return out;
        }
        int at = (int) ((long) hay.length * depthPercent / 100);
        while (at > 0 && !isPeriod(hay[at - 1])) at--;
        System.arraycopy(hay, 0, out, 0, at);
        System.arraycopy(needle, 0, out, at, needle.length);
        System.arraycopy(hay, at, out, at + needle.length, hay.length - at);
        return out;
    }

    /** The context as text (the tokens decoded back, as the original scripts do). */
    public String context(int[] haystack, Needle needle, int contextLength, int depthPercent) {
        int[] needleTokens = tokenizer.encode(needle.sentence(), false, false);
        return tokenizer.decode(contextTokens(haystack, needleTokens, contextLength, depthPercent), true);
    }

    /** The full prompt text for {@code needle} at this length and depth. */
    public String prompt(int[] haystack, Needle needle, int contextLength, int depthPercent) {
        return layout.render(context(haystack, needle, contextLength, depthPercent), needle.question());
    }

    private boolean isPeriod(int token) {
        for (int p : periodTokens) if (p == token) return true;
        return false;
    }
}
