package io.github.compresskv.eval.longbench;

import io.github.compresskv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * pred.py's truncation of an over-long prompt: tokenise as Hugging Face's {@code tokenizer(prompt)} does (BOS
 * counted, special tokens written in the text matched); when longer than
 * the maximum, keep the first ⌊max/2⌋ and the last ⌊max/2⌋ tokens, decode each half without special tokens and
 * concatenate the two texts (the instructions sit at both ends; the middle of the context goes).
 * <p>
 * Decoded text re-tokenises to about, not exactly, the same ids (pieces can merge at the seam). So that the
 * result is guaranteed to fit, this class (unlike pred.py) shortens the halves by the overshoot and retries in
 * the rare case the re-tokenised prompt is still longer than the maximum.
 */
public final class MiddleTruncation {
    private final Tokenizer tokenizer;

    public MiddleTruncation(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** The number of tokens of {@code prompt} as the model receives it (BOS included when the model adds one). */
    public int tokenCount(String prompt) {
        return tokens(prompt).length;
    }

    /**
     * A prompt and its length before truncation.
     *
     * @param prompt         the prompt to use: the original when it fitted, else its head and tail
     * @param originalTokens tokens of the original prompt
     * @param truncated      whether the middle was cut out
     */
    public record Result(String prompt, int originalTokens, boolean truncated) {}

    /** {@code prompt} unchanged when it fits in {@code maxTokens}, else its head and tail. */
    public Result truncate(String prompt, int maxTokens) {
        if (maxTokens < 2) throw new IllegalArgumentException("maximum prompt length must be ≥ 2 tokens, got " + maxTokens);
        int[] ids = tokens(prompt);
        if (ids.length <= maxTokens) return new Result(prompt, ids.length, false);
        int half = maxTokens / 2;
        while (true) {
            String cut = tokenizer.decode(Arrays.copyOfRange(ids, 0, half), true)
                    + tokenizer.decode(Arrays.copyOfRange(ids, ids.length - half, ids.length), true);
            int over = tokenCount(cut) - maxTokens;
            if (over <= 0 || half == 0) return new Result(cut, ids.length, true);
            half = Math.max(0, half - Math.max(1, (over + 1) / 2));
        }
    }

    private int[] tokens(String text) {
        return tokenizer.encode(text, tokenizer.addBosByDefault(), true);
    }
}
