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

    /**
     * Tokens of the model's context kept free of the prompts {@link #items} builds: the longest generation plus
     * anything added later (a chat template's wrapping); the runner passes {@code context − this} as
     * {@code maxPromptTokens}. Default 576: LongBench's longest answers (512, gov_report / qmsum / multi_news) and
     * 64 tokens for a chat wrapper.
     */
    default int reservedTokens() { return 576; }

    /** Strings that end a generation (cut from the prediction); none by default (EOS and the item's token limit only). */
    default List<String> stopStrings() { return List.of(); }

    /**
     * The suite's options as JSON-friendly values (strings, numbers, lists), recorded in a run folder's
     * {@code config.json} and compared when a run is resumed. Empty by default.
     */
    default Map<String, Object> options() { return Map.of(); }

    /** The aggregate key that summarises a run (the summary table's cell). */
    default String headlineMetric() { return "average"; }

    /** An item with its prediction and score. */
    record ScoredItem(EvalItem item, String prediction, double score) {
    }
}
