package io.github.compresskv.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregates of a run per (method, budget): the suite's aggregate keys × 100 (rounded to 2 decimals, as the
 * paper reports) and the mean KV-cache fraction kept, over the predictions present (a partial run aggregates what
 * it has; {@code items} says how many).
 */
public record RunMetrics(String suite, String headline, List<Row> rows) {

    /** One (method, unit, budget): {@code metrics} in percent, {@code kvFraction} in 0…1. */
    public record Row(String method, String unit, int budget, int items, double kvFraction, Map<String, Double> metrics) {
        public double headline(String key) { return metrics.getOrDefault(key, Double.NaN); }

        /** {@code method} or {@code method+unit}. */
        public String variant() { return EvalSettings.variant(method, unit); }
    }

    public static RunMetrics of(EvalSuite suite, EvalSettings settings, List<EvalItem> items, List<Prediction> predictions) {
        Map<String, EvalItem> byId = new HashMap<>();
        for (EvalItem i : items) byId.put(i.id(), i);
        List<Row> rows = new ArrayList<>();
        for (EvalSettings.Combo c : settings.combos()) {
            List<EvalSuite.ScoredItem> scored = new ArrayList<>();
            double kv = 0;
            for (Prediction p : predictions) {
                if (!p.variant().equals(c.variant()) || p.budget() != c.budget()) continue;
                EvalItem item = byId.get(p.itemId());
                if (item == null) continue; // not part of this item set (cannot happen with a matching config)
                scored.add(new EvalSuite.ScoredItem(item, p.prediction(), p.score()));
                kv += p.kvFraction();
            }
            if (scored.isEmpty()) continue;
            Map<String, Double> m = new LinkedHashMap<>();
            suite.aggregate(scored).forEach((k, v) -> m.put(k, Math.round(v * 10000) / 100.0));
            rows.add(new Row(c.method(), c.unit().label(), c.budget(), scored.size(), kv / scored.size(), m));
        }
        return new RunMetrics(suite.name(), suite.headlineMetric(), rows);
    }

    /** The row of (variant, budget), or null; the variant is {@code method} or {@code method+unit}. */
    public Row row(String variant, int budget) {
        for (Row r : rows) if (r.variant().equals(variant) && r.budget() == budget) return r;
        return null;
    }
}
