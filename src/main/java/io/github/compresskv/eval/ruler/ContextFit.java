package io.github.compresskv.eval.ruler;

import io.github.compresskv.tokenizer.Tokenizer;

import java.util.function.IntFunction;

/** The largest size of a generated context whose prompt fits a token budget (RULER's search over haystack sizes). */
final class ContextFit {
    private ContextFit() {}

    /**
     * The largest n in [lo, hi] with tokens(prompt(n)) ≤ {@code maxTokens}, assuming the length grows with n;
     * {@code lo} when even that does not fit (the caller reports it).
     */
    static int largest(Tokenizer tokenizer, IntFunction<String> prompt, int lo, int hi, int maxTokens) {
        // gallop up from lo (a context of n costs an encoding of its size), then bisect
        int a = lo, b = hi;
        for (int step = 16; a + step < hi; step *= 2) {
            if (tokens(tokenizer, prompt.apply(a + step)) <= maxTokens) a = a + step;
            else { b = a + step - 1; break; }
        }
        while (a < b) {
            int mid = a + (b - a + 1) / 2;
            if (tokens(tokenizer, prompt.apply(mid)) <= maxTokens) a = mid; else b = mid - 1;
        }
        // generators whose length is only nearly monotone in n: step down until it fits
        while (a > lo && tokens(tokenizer, prompt.apply(a)) > maxTokens) a--;
        return a;
    }

    /** Prompt tokens as the runner counts them (BOS when the model adds one). */
    static int tokens(Tokenizer tokenizer, String prompt) {
        return tokenizer.encode(prompt, tokenizer.addBosByDefault(), true).length;
    }
}
