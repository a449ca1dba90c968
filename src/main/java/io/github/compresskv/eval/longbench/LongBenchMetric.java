package io.github.compresskv.eval.longbench;

import java.util.List;

/** The metric functions of LongBench's metrics.py, by the names eval.py's {@code dataset2metric} uses. */
public enum LongBenchMetric {
    QA_F1("qa_f1_score"),
    QA_F1_ZH("qa_f1_zh_score"),
    ROUGE("rouge_score"),
    ROUGE_ZH("rouge_zh_score"),
    CLASSIFICATION("classification_score"),
    RETRIEVAL("retrieval_score"),
    RETRIEVAL_ZH("retrieval_zh_score"),
    COUNT("count_score"),
    CODE_SIM("code_sim_score");

    private final String officialName;

    LongBenchMetric(String officialName) { this.officialName = officialName; }

    public String officialName() { return officialName; }

    /**
     * The score of {@code prediction} against one reference answer, in [0, 1].
     *
     * @param allClasses the record's class names (classification only; ignored otherwise)
     */
    public double score(String prediction, String groundTruth, List<String> allClasses) {
        return switch (this) {
            case QA_F1 -> QaF1.english(prediction, groundTruth);
            case QA_F1_ZH -> QaF1.chinese(prediction, groundTruth);
            case ROUGE -> RougeL.english(prediction, groundTruth);
            case ROUGE_ZH -> RougeL.chinese(prediction, groundTruth);
            case CLASSIFICATION -> Classification.score(prediction, groundTruth, allClasses);
            case RETRIEVAL -> NumberMatch.retrievalEnglish(prediction, groundTruth);
            case RETRIEVAL_ZH -> NumberMatch.retrievalChinese(prediction, groundTruth);
            case COUNT -> NumberMatch.count(prediction, groundTruth);
            case CODE_SIM -> CodeSimilarity.score(prediction, groundTruth);
        };
    }
}
