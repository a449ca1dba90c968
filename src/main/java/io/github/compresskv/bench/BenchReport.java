package io.github.compresskv.bench;

import io.github.compresskv.format.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The files of a bench run folder: {@code config.json} (what ran, on which machine, the rooflines),
 * {@code results.json} and {@code results.csv} (one row per point), and three plots over context length with
 * one line per method and budget: {@code decode_ms.png}, {@code kv_bytes.png}, {@code prefill_tokens_per_s.png}.
 */
public final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static final String DECODE_PLOT = "decode_ms.png";
    public static final String KV_PLOT = "kv_bytes.png";
    public static final String PREFILL_PLOT = "prefill_tokens_per_s.png";

    private BenchReport() {}

    /** Writes every file into {@code dir} (created if needed). */
    public static void write(Path dir, Map<String, Object> config, List<BenchResult> results, String title) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve("config.json"), out -> JSON.writeValue(out, config));
        AtomicFiles.write(dir.resolve("results.json"), out -> JSON.writeValue(out, results));
        StringBuilder csv = new StringBuilder(BenchResult.csvHeader()).append('\n');
        for (BenchResult r : results) csv.append(r.csvRow()).append('\n');
        AtomicFiles.writeString(dir.resolve("results.csv"), csv);
        plot(dir.resolve(DECODE_PLOT), results, "Decode time per token — " + title, "ms / token", BenchResult::decodeMsMedian, false);
        plot(dir.resolve(KV_PLOT), results, "KV cache after decode — " + title, "MiB", r -> r.kvBytes() / (1024.0 * 1024.0), true);
        plot(dir.resolve(PREFILL_PLOT), results, "Prefill speed — " + title, "tokens / s", BenchResult::prefillTokensPerSecond, false);
    }

    /** One line per method/budget label over context length (log2 axis when the contexts span a factor ≥ 4). */
    static void plot(Path file, List<BenchResult> results, String title, String yTitle, ToDoubleFunction<BenchResult> y,
                     boolean logY) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(480).title(title).xAxisTitle("context (prompt tokens)")
                .yAxisTitle(yTitle).build();
        Map<String, List<BenchResult>> byLabel = new LinkedHashMap<>();
        for (BenchResult r : results) byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        double lo = Double.MAX_VALUE, hi = 0;
        for (var e : byLabel.entrySet()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (BenchResult r : e.getValue()) {
                double v = y.applyAsDouble(r);
                if (!Double.isFinite(v) || (logY && v <= 0)) continue;
                xs.add((double) r.context());
                ys.add(v);
                lo = Math.min(lo, r.context());
                hi = Math.max(hi, r.context());
            }
            if (!xs.isEmpty()) chart.addSeries(e.getKey(), xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
        chart.getStyler().setXAxisLogarithmic(hi >= 4 * lo);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setYAxisMin(logY ? null : 0.0);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
