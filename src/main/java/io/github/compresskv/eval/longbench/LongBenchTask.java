package io.github.compresskv.eval.longbench;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The 21 LongBench (v1) datasets with what the official scripts decide per dataset: the metric (eval.py's
 * {@code dataset2metric}), the category (LongBench paper, Table 1), whether the prompt is wrapped in the model's
 * chat template (pred.py leaves it off for the few-shot and code-completion tasks, which are plain continuations),
 * and whether only the first line of the prediction is scored (eval.py, the few-shot tasks). Declared in pred.py's
 * dataset order.
 */
public enum LongBenchTask {
    NARRATIVEQA("narrativeqa", Category.SINGLE_DOC_QA, LongBenchMetric.QA_F1, true),
    QASPER("qasper", Category.SINGLE_DOC_QA, LongBenchMetric.QA_F1, true),
    MULTIFIELDQA_EN("multifieldqa_en", Category.SINGLE_DOC_QA, LongBenchMetric.QA_F1, true),
    MULTIFIELDQA_ZH("multifieldqa_zh", Category.SINGLE_DOC_QA, LongBenchMetric.QA_F1_ZH, false),
    HOTPOTQA("hotpotqa", Category.MULTI_DOC_QA, LongBenchMetric.QA_F1, true),
    TWOWIKIMQA("2wikimqa", Category.MULTI_DOC_QA, LongBenchMetric.QA_F1, true),
    MUSIQUE("musique", Category.MULTI_DOC_QA, LongBenchMetric.QA_F1, true),
    DUREADER("dureader", Category.MULTI_DOC_QA, LongBenchMetric.ROUGE_ZH, false),
    GOV_REPORT("gov_report", Category.SUMMARIZATION, LongBenchMetric.ROUGE, true),
    QMSUM("qmsum", Category.SUMMARIZATION, LongBenchMetric.ROUGE, true),
    MULTI_NEWS("multi_news", Category.SUMMARIZATION, LongBenchMetric.ROUGE, true),
    VCSUM("vcsum", Category.SUMMARIZATION, LongBenchMetric.ROUGE_ZH, false),
    TREC("trec", Category.FEW_SHOT, LongBenchMetric.CLASSIFICATION, true),
    TRIVIAQA("triviaqa", Category.FEW_SHOT, LongBenchMetric.QA_F1, true),
    SAMSUM("samsum", Category.FEW_SHOT, LongBenchMetric.ROUGE, true),
    LSHT("lsht", Category.FEW_SHOT, LongBenchMetric.CLASSIFICATION, false),
    PASSAGE_COUNT("passage_count", Category.SYNTHETIC, LongBenchMetric.COUNT, true),
    PASSAGE_RETRIEVAL_EN("passage_retrieval_en", Category.SYNTHETIC, LongBenchMetric.RETRIEVAL, true),
    PASSAGE_RETRIEVAL_ZH("passage_retrieval_zh", Category.SYNTHETIC, LongBenchMetric.RETRIEVAL_ZH, false),
    LCC("lcc", Category.CODE, LongBenchMetric.CODE_SIM, true),
    REPOBENCH_P("repobench-p", Category.CODE, LongBenchMetric.CODE_SIM, true);

    /** Suffix of the LongBench-E files ({@code hotpotqa_e.jsonl}): same template, length and metric as the base task. */
    public static final String LONGBENCH_E_SUFFIX = "_e";

    private final String datasetName;
    private final Category category;
    private final LongBenchMetric metric;
    private final boolean englishOrCode;

    LongBenchTask(String datasetName, Category category, LongBenchMetric metric, boolean englishOrCode) {
        this.datasetName = datasetName;
        this.category = category;
        this.metric = metric;
        this.englishOrCode = englishOrCode;
    }

    /** The name used by LongBench's files and configs, e.g. {@code 2wikimqa}. */
    public String datasetName() { return datasetName; }

    public Category category() { return category; }

    public LongBenchMetric metric() { return metric; }

    /**
     * One of the 16 English and code datasets whose plain mean is the "Avg" column of the CompressKV paper
     * (method notes §7.1/§8.1): every dataset except multifieldqa_zh, dureader, vcsum, lsht, passage_retrieval_zh.
     */
    public boolean inEnglish16() { return englishOrCode; }

    /** pred.py: "chat models are better off without build prompts on these tasks" (trec, triviaqa, samsum, lsht, lcc, repobench-p). */
    public boolean usesChatTemplate() {
        return switch (this) {
            case TREC, TRIVIAQA, SAMSUM, LSHT, LCC, REPOBENCH_P -> false;
            default -> true;
        };
    }

    /** eval.py scores only the first line of the prediction for trec, triviaqa, samsum and lsht. */
    public boolean scoresFirstLineOnly() {
        return switch (this) {
            case TREC, TRIVIAQA, SAMSUM, LSHT -> true;
            default -> false;
        };
    }

    /** The task of a dataset name, also for LongBench-E names ({@code qasper_e}). */
    public static Optional<LongBenchTask> byName(String name) {
        String base = name.endsWith(LONGBENCH_E_SUFFIX) ? name.substring(0, name.length() - LONGBENCH_E_SUFFIX.length()) : name;
        for (LongBenchTask t : values()) if (t.datasetName.equals(base)) return Optional.of(t);
        return Optional.empty();
    }

    /** Like {@link #byName} but fails with the list of known names. */
    public static LongBenchTask require(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("unknown LongBench dataset \"" + name
                + "\"; expected one of " + names() + " (LongBench-E: the same names + \"" + LONGBENCH_E_SUFFIX + "\")"));
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(LongBenchTask::datasetName).toList();
    }
}
