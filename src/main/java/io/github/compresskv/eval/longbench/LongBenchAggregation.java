package io.github.compresskv.eval.longbench;

import io.github.compresskv.eval.EvalSuite.ScoredItem;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LongBench's summary numbers, on the [0, 1] scale of the per-item scores (reports multiply by 100):
 * <ul>
 *   <li>{@code <dataset>}: the mean score of the dataset's items, rounded as eval.py rounds it
 *       ({@code round(100 · mean, 2)}, then / 100 here);</li>
 *   <li>{@code category/<slug>} (single-doc-qa, multi-doc-qa, summarization, few-shot, synthetic, code): the plain
 *       mean of the dataset values of the category's English/code datasets present — the CompressKV paper's
 *       columns;</li>
 *   <li>{@code average}: the plain mean of the dataset values of the English/code datasets present (not of the
 *       categories) — the paper's "Avg" when all 16 are present (narrativeqa, qasper, multifieldqa_en, hotpotqa,
 *       2wikimqa, musique, gov_report, qmsum, multi_news, trec, triviaqa, samsum, passage_count,
 *       passage_retrieval_en, lcc, repobench-p);</li>
 *   <li>{@code average-zh}: the same over the Chinese datasets present (multifieldqa_zh, dureader, vcsum, lsht,
 *       passage_retrieval_zh), when any is.</li>
 * </ul>
 * LongBench-E datasets ({@code *_e}) count in the category and average of their base dataset.
 */
public final class LongBenchAggregation {
    private LongBenchAggregation() {}

    public static Map<String, Double> aggregate(List<ScoredItem> scored) {
        Map<String, List<Double>> byDataset = new LinkedHashMap<>();
        for (ScoredItem s : scored) byDataset.computeIfAbsent(s.item().task(), k -> new ArrayList<>()).add(s.score());
        Map<String, Double> datasetScores = new LinkedHashMap<>();
        byDataset.forEach((dataset, scores) -> datasetScores.put(dataset, roundedMean(scores)));

        Map<String, Double> out = new LinkedHashMap<>(datasetScores);
        for (Category c : Category.values()) {
            List<Double> values = new ArrayList<>();
            datasetScores.forEach((dataset, v) -> {
                LongBenchTask t = LongBenchTask.require(dataset);
                if (t.inEnglish16() && t.category() == c) values.add(v);
            });
            if (!values.isEmpty()) out.put("category/" + c.slug(), mean(values));
        }
        List<Double> english = new ArrayList<>();
        List<Double> chinese = new ArrayList<>();
        datasetScores.forEach((dataset, v) -> (LongBenchTask.require(dataset).inEnglish16() ? english : chinese).add(v));
        if (!english.isEmpty()) out.put("average", mean(english));
        if (!chinese.isEmpty()) out.put("average-zh", mean(chinese));
        return out;
    }

    /** eval.py: {@code round(100 * total / n, 2)}, Python's correctly rounded half-even {@code round}; back to [0, 1]. */
    static double roundedMean(List<Double> scores) {
        double percent = 100 * sum(scores) / scores.size();
        return new BigDecimal(percent).setScale(2, RoundingMode.HALF_EVEN).doubleValue() / 100;
    }

    private static double mean(List<Double> values) {
        return sum(values) / values.size();
    }

    /** Left-to-right summation, as Python's {@code total_score += score} loop. */
    private static double sum(List<Double> values) {
        double total = 0;
        for (double v : values) total += v;
        return total;
    }
}
