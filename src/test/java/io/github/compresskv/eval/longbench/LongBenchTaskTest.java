package io.github.compresskv.eval.longbench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The per-dataset table against eval.py's dataset2metric, pred.py's chat policy and the paper's 16 datasets. */
class LongBenchTaskTest {
    @Test
    void metricPerDatasetIsEvalPysMap() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String d : List.of("narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa", "musique", "triviaqa")) expected.put(d, "qa_f1_score");
        expected.put("multifieldqa_zh", "qa_f1_zh_score");
        for (String d : List.of("dureader", "vcsum")) expected.put(d, "rouge_zh_score");
        for (String d : List.of("gov_report", "qmsum", "multi_news", "samsum")) expected.put(d, "rouge_score");
        for (String d : List.of("trec", "lsht")) expected.put(d, "classification_score");
        expected.put("passage_retrieval_en", "retrieval_score");
        expected.put("passage_count", "count_score");
        expected.put("passage_retrieval_zh", "retrieval_zh_score");
        for (String d : List.of("lcc", "repobench-p")) expected.put(d, "code_sim_score");
        Map<String, String> actual = Arrays.stream(LongBenchTask.values())
                .collect(Collectors.toMap(LongBenchTask::datasetName, t -> t.metric().officialName()));
        assertEquals(expected, actual);
    }

    @Test
    void chatTemplateAndFirstLinePolicies() {
        assertEquals(Set.of("trec", "triviaqa", "samsum", "lsht", "lcc", "repobench-p"), names(t -> !t.usesChatTemplate()));
        assertEquals(Set.of("trec", "triviaqa", "samsum", "lsht"), names(LongBenchTask::scoresFirstLineOnly));
    }

    @Test
    void theSixteenEnglishDatasetsAndTheirCategories() {
        List<String> english = Arrays.stream(LongBenchTask.values()).filter(LongBenchTask::inEnglish16).map(LongBenchTask::datasetName).toList();
        assertEquals(List.of("narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa", "musique", "gov_report", "qmsum",
                "multi_news", "trec", "triviaqa", "samsum", "passage_count", "passage_retrieval_en", "lcc", "repobench-p"), english);
        Map<Category, List<String>> byCategory = Arrays.stream(LongBenchTask.values()).filter(LongBenchTask::inEnglish16)
                .collect(Collectors.groupingBy(LongBenchTask::category, LinkedHashMap::new, Collectors.mapping(LongBenchTask::datasetName, Collectors.toList())));
        assertEquals(List.of("narrativeqa", "qasper", "multifieldqa_en"), byCategory.get(Category.SINGLE_DOC_QA));
        assertEquals(List.of("hotpotqa", "2wikimqa", "musique"), byCategory.get(Category.MULTI_DOC_QA));
        assertEquals(List.of("gov_report", "qmsum", "multi_news"), byCategory.get(Category.SUMMARIZATION));
        assertEquals(List.of("trec", "triviaqa", "samsum"), byCategory.get(Category.FEW_SHOT));
        assertEquals(List.of("passage_count", "passage_retrieval_en"), byCategory.get(Category.SYNTHETIC));
        assertEquals(List.of("lcc", "repobench-p"), byCategory.get(Category.CODE));
    }

    @Test
    void namesIncludingLongBenchE() {
        assertEquals(LongBenchTask.TWOWIKIMQA, LongBenchTask.require("2wikimqa"));
        assertEquals(LongBenchTask.QASPER, LongBenchTask.require("qasper_e"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongBenchTask.require("hotpot"));
        assertEquals(true, e.getMessage().contains("\"hotpot\"") && e.getMessage().contains("hotpotqa"), e.getMessage());
    }

    private static Set<String> names(java.util.function.Predicate<LongBenchTask> p) {
        return Arrays.stream(LongBenchTask.values()).filter(p).map(LongBenchTask::datasetName).collect(Collectors.toSet());
    }
}
