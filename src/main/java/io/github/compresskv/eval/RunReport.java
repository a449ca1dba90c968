package io.github.compresskv.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes {@code metrics.json} (atomically) and {@code summary.md} of a run folder from its {@link RunMetrics}. */
public final class RunReport {
    public static final String METRICS = "metrics.json";
    public static final String SUMMARY = "summary.md";

    private RunReport() {}

    public static void write(Path dir, RunMetrics m, EvalSettings settings, String modelName) {
        try {
            RunFolder.writeAtomically(dir.resolve(METRICS), RunFolder.JSON.writeValueAsString(json(m)) + "\n");
            RunFolder.writeAtomically(dir.resolve(SUMMARY), markdown(m, settings, modelName));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reports of " + dir + ": " + e.getMessage(), e);
        }
    }

    static ObjectNode json(RunMetrics m) {
        ObjectNode o = RunFolder.JSON.createObjectNode();
        o.put("suite", m.suite());
        o.put("headline", m.headline());
        o.put("scale", "percent; kv_fraction in 0..1 (KV bytes kept / uncompressed prompt KV bytes); budget 0 = full cache");
        ArrayNode rows = o.putArray("results");
        for (RunMetrics.Row r : m.rows()) {
            ObjectNode x = rows.addObject();
            x.put("method", r.method());
            x.put("unit", r.unit());
            x.put("budget", r.budget());
            x.put("items", r.items());
            x.put("kv_fraction", Math.round(r.kvFraction() * 1e6) / 1e6);
            ObjectNode mm = x.putObject("metrics");
            r.metrics().forEach(mm::put);
        }
        return o;
    }

    /** The Markdown summary: headline score per method (rows) × budget (columns), the KV fraction, every metric. */
    public static String markdown(RunMetrics m, EvalSettings settings, String modelName) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(m.suite()).append(" on ").append(modelName).append("\n\n");
        sb.append("Score: `").append(m.headline()).append("` × 100 (").append(headlineMeaning(m.suite()))
                .append("). Budget B = prompt tokens kept per KV head per layer; `full` keeps everything.\n\n");
        sb.append(table(m, settings, false)).append('\n');
        sb.append("KV cache kept (bytes after compression / uncompressed prompt bytes, mean over items):\n\n");
        sb.append(table(m, settings, true)).append('\n');
        List<String> keys = new ArrayList<>();
        for (RunMetrics.Row r : m.rows()) for (String k : r.metrics().keySet()) if (!keys.contains(k)) keys.add(k);
        if (keys.size() > 1) {
            sb.append("All metrics:\n\n| method | B | items |");
            for (String k : keys) sb.append(' ').append(k).append(" |");
            sb.append("\n|---|---|---|").append("---|".repeat(keys.size())).append('\n');
            for (RunMetrics.Row r : m.rows()) {
                sb.append("| ").append(r.variant()).append(" | ").append(r.budget() == 0 ? "—" : r.budget()).append(" | ").append(r.items()).append(" |");
                for (String k : keys) sb.append(' ').append(fmt(r.metrics().getOrDefault(k, Double.NaN))).append(" |");
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** Rows: variants (method, or method+unit); columns: budgets (full repeats its one value in every column). */
    static String table(RunMetrics m, EvalSettings settings, boolean kv) {
        List<Integer> budgets = settings.budgets();
        StringBuilder sb = new StringBuilder("| method |");
        if (budgets.isEmpty()) sb.append(" full cache |");
        for (int b : budgets) sb.append(" B=").append(b).append(" |");
        sb.append("\n|---|").append("---|".repeat(Math.max(1, budgets.size()))).append('\n');
        for (String method : settings.variants()) {
            sb.append("| ").append(method).append(" |");
            List<Integer> cols = budgets.isEmpty() ? List.of(0) : budgets;
            for (int b : cols) {
                RunMetrics.Row r = m.row(method, method.equals(EvalSettings.FULL) ? 0 : b);
                String cell = r == null ? "" : kv ? String.format(Locale.ROOT, "%.1f %%", 100 * r.kvFraction()) : fmt(r.headline(m.headline()));
                sb.append(' ').append(cell).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String headlineMeaning(String suite) {
        return switch (suite) {
            case "niah" -> "the paper's word overlap with the expected answer, averaged over lengths × depths";
            case "ruler" -> "RULER string-match-all, mean over tasks";
            case "longbench" -> "mean of the LongBench dataset scores";
            default -> "the suite's average";
        };
    }

    static String fmt(double v) { return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v); }
}
