package io.github.compresskv.compress;

import io.github.compresskv.cache.KvCache;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * KVzip's context-reconstruction pass (arXiv 2505.23416), the scorer of question-agnostic compression: after the
 * context has been prefilled with an exact cache, it is fed once more, teacher-forced, after a short repeat prompt,
 * and every context row of every layer and KV head is scored by the largest attention it receives from the repeated
 * copy ({@link ReconstructionAttention}). Nothing is generated; the scores say which rows the model needs to
 * reproduce the context, whatever question comes later.
 *
 * <p>As in the authors' code the context is repeated in chunks of {@link #DEFAULT_CHUNK} tokens: chunk c runs
 * {@code prompt + "\n" + context[from, to)} (the first chunk after {@link #FIRST_PROMPT}, later ones after
 * {@link #NEXT_PROMPT} and the last {@link #OVERLAP} tokens of the chunk before) on top of the whole context's cache,
 * positions continuing after it, so that no position runs past context + chunk; chunk c's queries score only the rows
 * [from, to). The repeat input's rows are dropped after each chunk ({@link KvCache#truncate}: the context's rows, their
 * bits and the position are as before), so the pass costs no second copy of the cache. A leading BOS is not repeated.
 *
 * <p>Cost: every context token runs through the model once more (plus a prompt of about 10–20 tokens per chunk),
 * attending to the whole context; the scoring adds attention over sinks + chunk + repeat per query.
 */
public final class ContextReconstruction {
    /** The repeat prompt before the first chunk (the authors'). */
    public static final String FIRST_PROMPT = "\n\nRepeat the previous context exactly.";
    /** The repeat prompt before a later chunk, followed by the last {@link #OVERLAP} tokens of the chunk before it. */
    public static final String NEXT_PROMPT = "\n\nRepeat the part of the previous context exactly, starting with";
    /** Between the prompt and the repeated text (what a model without a chat template gets in the authors' code). */
    public static final String SUFFIX = "\n";
    /** Context tokens per reconstruction chunk (the authors' 2048). */
    public static final int DEFAULT_CHUNK = 2048;
    /** Tokens of the previous chunk quoted in a later chunk's prompt. */
    static final int OVERLAP = 8;
    /** First context rows that every chunk's scoring sees (attention sinks, the authors' 4). */
    static final int SINKS = 4;

    private final Model model;
    private final int[] firstPrompt, nextPrompt, suffix;
    private final int bos;
    private final int chunk;

    /** The authors' prompts in the model's tokenizer (no BOS), chunks of {@link #DEFAULT_CHUNK}. */
    public ContextReconstruction(Model model, Tokenizer tokenizer) {
        this(model, tokenizer.encode(FIRST_PROMPT, false, false), tokenizer.encode(NEXT_PROMPT, false, false),
                tokenizer.encode(SUFFIX, false, false), tokenizer.bos(), DEFAULT_CHUNK);
    }

    /** Given token ids (tests: models without a tokenizer); {@code bos} −1 when the context never starts with one. */
    ContextReconstruction(Model model, int[] firstPrompt, int[] nextPrompt, int[] suffix, int bos, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("reconstruction chunk must be >= 1, got " + chunk);
        this.model = model;
        this.firstPrompt = firstPrompt.clone();
        this.nextPrompt = nextPrompt.clone();
        this.suffix = suffix.clone();
        this.bos = bos;
        this.chunk = chunk;
    }

    /**
     * Scores the context held by {@code cache}: {@code context} are its tokens, exactly what the cache holds (every
     * KV head one row per position, nothing evicted, nothing after it). The cache is the same afterwards.
     */
    public ReconstructionScorer score(KvCache cache, int[] context) {
        int n = context.length;
        if (cache.nextPosition() != n) {
            throw new IllegalArgumentException("the cache holds " + cache.nextPosition() + " positions, the context " + n + " tokens");
        }
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                if (cache.rows(l, g) != n) {
                    throw new IllegalArgumentException("reconstruction needs the whole context's cache; layer " + l + " KV head " + g
                            + " holds " + cache.rows(l, g) + " of " + n + " rows (compressed already?)");
                }
            }
        }
        long t0 = System.nanoTime();
        int room = model.config().contextLength() - n - Math.max(firstPrompt.length, nextPrompt.length + OVERLAP) - suffix.length;
        int size = Math.min(chunk, room);
        if (size < 1) {
            throw new IllegalArgumentException("a context of " + n + " tokens leaves no room for its reconstruction within the model's context of "
                    + model.config().contextLength() + " positions");
        }
        float[][][] scores = new float[cache.layers()][cache.kvHeads()][n];
        Transformer transformer = model.newTransformer();
        ChunkObserver observer = new ChunkObserver(scores, n);
        int tokens = 0, chunks = 0;
        for (int from = 0; from < n; from += size) {
            int to = Math.min(n, from + size);
            int[] input = repeatInput(context, from, to);
            observer.chunk(input.length, from, to);
            try {
                transformer.prefill(cache, input, observer);
            } finally {
                cache.truncate(n); // drop the repeat input's rows, whatever happened
            }
            tokens += input.length;
            chunks++;
        }
        return new ReconstructionScorer(scores, n, tokens, chunks, System.nanoTime() - t0, observer.scoringNanos);
    }

    /** Prompt (with the previous chunk's last tokens after the first), separator, then the context tokens [from, to). */
    int[] repeatInput(int[] context, int from, int to) {
        int[] prompt = from == 0 ? firstPrompt : concat(nextPrompt, Arrays.copyOfRange(context, Math.max(0, from - OVERLAP), from));
        int start = from == 0 && bos >= 0 && context.length > 0 && context[0] == bos ? 1 : from;
        return concat(concat(prompt, suffix), Arrays.copyOfRange(context, start, to));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Records every query of one chunk's repeat input and scores the chunk's rows layer by layer. */
    private final class ChunkObserver implements PrefillObserver {
        private final float[][][] scores;
        private final int contextLength;
        private int inputLength, from, to;
        long scoringNanos;

        ChunkObserver(float[][][] scores, int contextLength) {
            this.scores = scores;
            this.contextLength = contextLength;
        }

        void chunk(int inputLength, int from, int to) {
            this.inputLength = inputLength;
            this.from = from;
            this.to = to;
        }

        @Override
        public int observationWindow() { return inputLength; }

        @Override
        public void layerDone(int layer, KvCache cache, int promptStart, int promptLength, float[] windowQueries, float[] cumulativeAttention) {
            long t0 = System.nanoTime();
            ReconstructionAttention.maxInto(cache, layer, model.config().heads(), windowQueries, promptLength, Math.min(SINKS, from), from, to,
                    contextLength, scores[layer], model.parallel());
            scoringNanos += System.nanoTime() - t0;
        }
    }
}
