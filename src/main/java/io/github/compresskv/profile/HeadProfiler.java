package io.github.compresskv.profile;

import io.github.compresskv.generate.Sampler;
import io.github.compresskv.tensor.VectorMath;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.needle.Needle;
import io.github.compresskv.needle.NeedlePrompt;
import io.github.compresskv.needle.Rouge;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.ModelConfig;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Finds the semantic retrieval heads of a model (method notes §3): for every needle × length × depth, build the
 * needle prompt, prefill all but its last token, decode greedily (up to {@code maxNewTokens}, stopping after a
 * token that contains a newline or ends generation) and, at each step, score every query head from its
 * attention row over the cache (recomputed from the decode tap's query: softmax(q·K/√d) over the rows of the
 * head's KV group). Trials whose response recalls the answer (ROUGE-1 recall × 100 > 50) are averaged per head.
 */
public final class HeadProfiler {

    /** Called after each trial; {@code done} counts trials resumed from the partial file too ({@code resumed} = true). */
    @FunctionalInterface
    public interface Progress {
        void trialDone(int done, int total, TrialRecord trial, boolean resumed);
    }

    private final Model model;
    private final Tokenizer tokenizer;
    private final ProbeConfig config;
    private final String haystackText;
    private final KvStorage storage;
    private final NeedlePrompt needlePrompt;
    private int[] haystackTokens;

    public HeadProfiler(Model model, Tokenizer tokenizer, ProbeConfig config, String haystackText, KvStorage storage) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.config = config;
        this.haystackText = haystackText;
        this.storage = storage;
        this.needlePrompt = new NeedlePrompt(tokenizer, config.layout());
        int room = model.config().contextLength() - config.maxNewTokens();
        for (int l : config.lengths()) {
            if (l > room) {
                throw new ProfileException("--lengths: " + l + " tokens plus " + config.maxNewTokens() + " decoded tokens exceed the model's context of "
                        + model.config().contextLength() + " positions");
            }
        }
        if (haystackText.isBlank()) throw new ProfileException("haystack " + config.haystack() + " is empty");
        int shortest = Arrays.stream(config.lengths()).min().orElseThrow();
        for (Needle n : config.needles()) {
            int needleTokens = tokenizer.encode(n.sentence(), false, false).length;
            if (shortest <= NeedlePrompt.BUFFER + needleTokens) {
                throw new ProfileException("--lengths: " + shortest + " tokens leave no haystack for the needle \"" + n.sentence().strip()
                        + "\" (" + needleTokens + " tokens) after the " + NeedlePrompt.BUFFER + "-token prompt buffer");
            }
        }
    }

    public ProbeConfig config() { return config; }

    /**
     * Runs the whole grid. With a {@code partialFile}, finished trials are appended there and trials already in
     * it are not run again; the file is deleted once the grid is complete.
     */
    public HeadProfileResult run(Path partialFile, Progress progress) {
        PartialTrials partial = partialFile == null ? null : new PartialTrials(partialFile, config.toJson());
        List<TrialRecord> records = new ArrayList<>();
        int total = config.trials();
        try {
            for (int n = 0; n < config.needles().size(); n++) {
                for (int length : config.lengths()) {
                    SharedPrefix shared = null; // made when the first trial of this needle and length needs it
                    for (int depth : config.depths()) {
                        TrialRecord r = partial == null ? null : partial.get(n, length, depth);
                        boolean resumed = r != null;
                        if (r == null) {
                            if (shared == null) shared = sharedPrefix(n, length);
                            r = trial(n, length, depth, shared);
                            if (partial != null) partial.append(r);
                        }
                        records.add(r);
                        if (progress != null) progress.trialDone(records.size(), total, r, resumed);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (partial != null) partial.close();
            throw e;
        }
        if (partial != null) partial.delete();
        ModelConfig c = model.config();
        return HeadProfileResult.aggregate(config, c.layers(), c.heads(), c.kvHeads(), records);
    }

    /**
     * Probes of one needle and length differ only after their insertion point, so they share work: the prompt with
     * the needle at depth 100 % (the haystack, then the needle, then the question) is prefilled once, and every
     * probe of the group starts from that cache rewound to the tokens it has in common with it
     * ({@link KvCache#truncate}). The choice of shared prompt does not depend on which probes a resumed run still
     * has to do, so resumed and uninterrupted runs compute the same numbers.
     */
    private record SharedPrefix(int[] prompt, KvCache cache) {}

    private SharedPrefix sharedPrefix(int needleIndex, int length) {
        int[] prompt = promptTokens(config.needles().get(needleIndex), length, 100);
        KvCache cache = model.newCache(storage);
        if (prompt.length > 1) model.newTransformer().prefill(cache, Arrays.copyOf(prompt, prompt.length - 1));
        return new SharedPrefix(prompt, cache);
    }

    private int[] promptTokens(Needle needle, int length, int depth) {
        String text = needlePrompt.prompt(haystackTokens(), needle, length, depth);
        return tokenizer.encode(text, tokenizer.addBosByDefault(), true);
    }

    /** One probe: needle {@code needleIndex} at {@code length} tokens and {@code depth} %, prefilled from scratch. */
    public TrialRecord trial(int needleIndex, int length, int depth) {
        return trial(needleIndex, length, depth, null);
    }

    private TrialRecord trial(int needleIndex, int length, int depth, SharedPrefix shared) {
        Needle needle = config.needles().get(needleIndex);
        int[] prompt = promptTokens(needle, length, depth);
        AnswerSpan span = AnswerSpan.locate(prompt, answerTokens(needle));
        ModelConfig c = model.config();
        if (prompt.length + config.maxNewTokens() > c.contextLength()) {
            throw new ProfileException("needle prompt of " + prompt.length + " tokens (length " + length + ") plus "
                    + config.maxNewTokens() + " decoded tokens exceeds the model's context of " + c.contextLength());
        }
        TrialScorer scorer = new TrialScorer(c.layers(), c.heads(), prompt, span);
        Transformer tf = model.newTransformer();
        KvCache cache;
        int done = 0;
        if (shared == null) {
            cache = model.newCache(storage);
        } else {
            cache = shared.cache().copy();
            int common = Arrays.mismatch(prompt, shared.prompt());
            if (common < 0) common = prompt.length; // the same prompt
            done = Math.min(common, Math.min(prompt.length - 1, cache.nextPosition()));
            cache.truncate(done);
        }
        if (prompt.length - 1 > done) tf.prefill(cache, Arrays.copyOfRange(prompt, done, prompt.length - 1));
        float[] row = new float[prompt.length + config.maxNewTokens()];
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        int d = c.headDim();
        List<Integer> generated = new ArrayList<>();
        int token = prompt[prompt.length - 1];
        for (int step = 0; step < config.maxNewTokens(); step++) {
            float[] logits = tf.decode(cache, token, (layer, kv, query, out) -> {
                for (int h = 0; h < c.heads(); h++) {
                    HeadRows rows = kv.head(layer, c.kvHeadOf(h));
                    int n = rows.size();
                    rows.keyScores(query, h * d, scale, n, row, 0);
                    VectorMath.softmax(row, 0, n);
                    scorer.attention(layer, h, row, n);
                }
            });
            token = Sampler.argmax(logits);
            scorer.produced(token);
            generated.add(token);
            if (endsAnswer(token)) break;
        }
        String response = tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray(), true);
        double recall = Rouge.rouge1Recall(needle.answer(), response);
        return new TrialRecord(needleIndex, length, depth, prompt.length, span, response, recall, scorer.srh(), scorer.classic());
    }

    /**
     * The answer's tokens as they appear inside the needle sentence. The authors encode the answer on its own;
     * with a byte-level BPE vocabulary a word after a space is a different token ("Ġride" vs "ride"), which for
     * short answers drops the window coverage under 90 % and loses the span, so an answer that follows a space in
     * its sentence is encoded with that space.
     */
    private int[] answerTokens(Needle needle) {
        boolean afterSpace = needle.sentence().contains(" " + needle.answer());
        return tokenizer.encode(afterSpace ? " " + needle.answer() : needle.answer(), false, false);
    }

    /** The haystack tokens (at least the longest context), starting where the seed says; the text repeats when short. */
    int[] haystackTokens() {
        if (haystackTokens != null) return haystackTokens;
        String text = haystackText.substring(startOffset());
        int need = config.maxLength();
        StringBuilder sb = new StringBuilder();
        int[] tokens = new int[0];
        while (tokens.length < need) {
            while (sb.length() < (long) need * 8) sb.append(sb.isEmpty() ? text : "\n\n" + haystackText);
            tokens = tokenizer.encode(sb.toString(), false, false);
            if (tokens.length < need) sb.append("\n\n").append(haystackText);
        }
        return haystackTokens = Arrays.copyOf(tokens, need);
    }

    /** Seed 0 starts at the beginning; any other seed at a paragraph start in the first half of the text. */
    private int startOffset() {
        if (config.seed() == 0) return 0;
        int at = new SplittableRandom(config.seed()).nextInt(Math.max(1, haystackText.length() / 2));
        int para = haystackText.indexOf("\n\n", at);
        return para < 0 ? 0 : para + 2;
    }

    private boolean endsAnswer(int token) {
        if (tokenizer.endOfGenerationIds().contains(token) || token == tokenizer.eos()) return true;
        return new String(tokenizer.tokenBytes(token, false), StandardCharsets.UTF_8).indexOf('\n') >= 0;
    }
}
