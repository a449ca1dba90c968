package io.github.compresskv.eval.longbench;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalSuite.ScoredItem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Per-dataset means (rounded as eval.py), category means and the plain 16-dataset average. */
class LongBenchAggregationTest {
    private static void add(List<ScoredItem> out, String dataset, double... scores) {
        for (double s : scores) {
            EvalItem item = new EvalItem(dataset + "/" + out.size(), dataset, "p", true, 8, List.of("a"), Map.of());
            out.add(new ScoredItem(item, "x", s));
        }
    }

    @Test
    void datasetMeansAreRoundedToTwoDecimalsOfAPercent() {
        List<ScoredItem> s = new ArrayList<>();
        add(s, "hotpotqa", 1, 1, 0);      // 66.666… → 66.67
        add(s, "trec", 0.5, 0.25);        // 37.5
        Map<String, Double> a = LongBenchAggregation.aggregate(s);
        assertEquals(0.6667, a.get("hotpotqa"), 1e-12);
        assertEquals(0.375, a.get("trec"), 1e-12);
        // 1 of 800 right: 0.125 % → Python's round(0.125, 2) = 0.12 (half to even); 3 of 800: 0.375 → 0.38
        List<Double> oneOf800 = new ArrayList<>(java.util.Collections.nCopies(800, 0.0));
        oneOf800.set(0, 1.0);
        assertEquals(0.0012, LongBenchAggregation.roundedMean(oneOf800), 1e-15);
        oneOf800.set(1, 1.0);
        oneOf800.set(2, 1.0);
        assertEquals(0.0038, LongBenchAggregation.roundedMean(oneOf800), 1e-15);
    }

    @Test
    void categoriesAndAverageOverDatasetsNotCategories() {
        List<ScoredItem> s = new ArrayList<>();
        add(s, "narrativeqa", 0.2);
        add(s, "qasper", 0.4);
        add(s, "hotpotqa", 0.9);
        add(s, "lcc", 0.5, 0.7);
        add(s, "multifieldqa_zh", 0.1);
        Map<String, Double> a = LongBenchAggregation.aggregate(s);
        assertEquals(0.3, a.get("category/single-doc-qa"), 1e-12);
        assertEquals(0.9, a.get("category/multi-doc-qa"), 1e-12);
        assertEquals(0.6, a.get("category/code"), 1e-12);
        assertFalse(a.containsKey("category/summarization"), "no dataset of the category, no key");
        // (0.2 + 0.4 + 0.9 + 0.6) / 4 = 0.525; the mean of the categories would be 0.6
        assertEquals(0.525, a.get("average"), 1e-12);
        assertEquals(0.1, a.get("average-zh"), 1e-12);
        assertEquals(0.1, a.get("multifieldqa_zh"), 1e-12);
    }

    @Test
    void longBenchEDatasetsCountForTheirBaseCategory() {
        List<ScoredItem> s = new ArrayList<>();
        add(s, "qasper_e", 0.5);
        Map<String, Double> a = LongBenchAggregation.aggregate(s);
        assertEquals(0.5, a.get("qasper_e"), 1e-12);
        assertEquals(0.5, a.get("category/single-doc-qa"), 1e-12);
        assertEquals(0.5, a.get("average"), 1e-12);
    }
}
