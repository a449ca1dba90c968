package io.github.compresskv.eval;

import io.github.compresskv.tokenizer.Tokenizer;

import java.util.List;
import java.util.Map;

/**
 * A benchmark: the items to run (built deterministically from the options and the model's tokenizer), how one
 * prediction is scored, and how scores are aggregated (per task, per category, overall).
 */
public interface EvalSuite {
    /** Short name used on the command line and in run folders, e.g. "niah", "ruler", "longbench". */
    String name();

    /**
     * The items, in a deterministic order.
     *
     * @param tokenizer       the model's tokenizer (token-exact lengths, truncation)
     * @param maxPromptTokens the longest prompt the model may receive (context length minus generation)
     */
    List<EvalItem> items(Tokenizer tokenizer, int maxPromptTokens);

    /** Score of one prediction in [0, 1] (or the metric's own scale, documented by the suite). */
    double score(EvalItem item, String prediction);

    /**
     * Aggregates of a set of scored items of one (method, budget): keys such as "niah", "hotpotqa",
     * "category/single-doc-qa", "average". Values on the same scale as {@link #score}, usually × 100 for reports.
     */
    Map<String, Double> aggregate(List<ScoredItem> scored);

    /** An item with its prediction and score. */
    record ScoredItem(EvalItem item, String prediction, double score) {
    }
}
