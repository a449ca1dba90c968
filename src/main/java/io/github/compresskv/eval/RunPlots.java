package io.github.compresskv.eval;

import io.github.compresskv.format.AtomicFiles;
import io.github.compresskv.needle.Needle;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The PNG plots of a run folder: score vs budget per method, score vs KV-cache fraction, and — for suites whose
 * items carry {@code length} and {@code depth} (NIAH) — a heat map per (method, budget) in the paper's style
 * (depth down, context length across, red → yellow → green for 0 → 100) plus one figure with all of them.
 */
public final class RunPlots {
    public static final String SCORE_VS_BUDGET = "score-vs-budget.png";
    public static final String SCORE_VS_KV = "score-vs-kv-fraction.png";
    public static final String HEATMAPS = "heatmaps";
    public static final String HEATMAP_SUMMARY = "niah-heatmaps.png";
    /** The paper's colour map (needle/show_image_paper.py): red, yellow, green. */
    private static final Color[] PAPER_COLOURS = {new Color(0xF0, 0x49, 0x6E), new Color(0xEB, 0xB8, 0x39), new Color(0x0C, 0xD7, 0x9F)};

    private RunPlots() {}

    /** Writes every plot that applies; returns the files written. */
    public static List<Path> write(Path dir, RunMetrics m, EvalSettings settings, List<Prediction> predictions) {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        try {
            if (!settings.budgets().isEmpty()) {
                out.add(save(scoreVsBudget(m, settings), dir.resolve(SCORE_VS_BUDGET)));
                out.add(save(scoreVsKv(m, settings), dir.resolve(SCORE_VS_KV)));
            }
            if (predictions.stream().anyMatch(p -> p.attributes().containsKey("length") && p.attributes().containsKey("depth"))
                    && "niah".equals(m.suite())) {
                out.addAll(heatMaps(dir, settings, predictions));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plots of " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static XYChart scoreVsBudget(RunMetrics m, EvalSettings s) {
        XYChart c = new XYChartBuilder().width(720).height(480).title(m.suite() + ": " + m.headline() + " vs KV budget")
                .xAxisTitle("budget B (tokens per KV head per layer, log scale)").yAxisTitle("score").build();
        // x = log2 B on a linear axis labelled with B at the powers of two (a log axis labels only powers of ten)
        c.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        // XChart cannot draw an empty label: ticks that are neither a power of two nor a budget get a blank
        c.setCustomXAxisTickLabelsFormatter(x -> {
            if (Math.abs(x - Math.rint(x)) < 1e-6) return Long.toString(Math.round(Math.pow(2, x)));
            for (int b : s.budgets()) if (Math.abs(x - Math.log(b) / Math.log(2)) < 1e-6) return Integer.toString(b);
            return " ";
        });
        for (String method : s.variants()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int b : s.budgets()) {
                RunMetrics.Row r = m.row(method, method.equals(EvalSettings.FULL) ? 0 : b);
                if (r == null) continue;
                x.add(Math.log(b) / Math.log(2));
                y.add(r.headline(m.headline()));
            }
            if (x.isEmpty()) continue;
            XYSeries series = c.addSeries(method, x, y);
            if (method.equals(EvalSettings.FULL)) {
                series.setMarker(SeriesMarkers.NONE);
                series.setLineStyle(SeriesLines.DASH_DASH);
                series.setLineColor(Color.GRAY);
            }
        }
        return c;
    }

    private static XYChart scoreVsKv(RunMetrics m, EvalSettings s) {
        XYChart c = new XYChartBuilder().width(720).height(480).title(m.suite() + ": " + m.headline() + " vs KV cache kept")
                .xAxisTitle("KV cache kept (% of the full prompt cache)").yAxisTitle("score").build();
        c.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setXAxisLogarithmic(true).setXAxisDecimalPattern("0.#");
        for (String method : s.variants()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (RunMetrics.Row r : m.rows()) {
                if (!r.variant().equals(method)) continue;
                x.add(100 * r.kvFraction());
                y.add(r.headline(m.headline()));
            }
            if (x.isEmpty()) continue;
            XYSeries series = c.addSeries(method, x, y);
            if (method.equals(EvalSettings.FULL)) {
                series.setMarker(SeriesMarkers.DIAMOND);
                series.setMarkerColor(Color.GRAY);
            }
        }
        return c;
    }

    /** One heat map per (method, budget) and the grid of all of them. */
    private static List<Path> heatMaps(Path dir, EvalSettings s, List<Prediction> predictions) throws IOException {
        TreeSet<Integer> lengths = new TreeSet<>(), depths = new TreeSet<>();
        for (Prediction p : predictions) {
            if (!p.attributes().containsKey("length") || !p.attributes().containsKey("depth")) continue;
            lengths.add(Integer.parseInt(p.attributes().get("length")));
            depths.add(Integer.parseInt(p.attributes().get("depth")));
        }
        List<Path> out = new ArrayList<>();
        List<BufferedImage> tiles = new ArrayList<>();
        for (EvalSettings.Combo combo : s.combos()) {
            double[][] sum = new double[depths.size()][lengths.size()];
            int[][] n = new int[depths.size()][lengths.size()];
            boolean any = false;
            for (Prediction p : predictions) {
                if (!p.variant().equals(combo.variant()) || p.budget() != combo.budget() || !p.attributes().containsKey("depth")) continue;
                int li = lengths.headSet(Integer.parseInt(p.attributes().get("length"))).size();
                int di = depths.headSet(Integer.parseInt(p.attributes().get("depth"))).size();
                sum[di][li] += 100 * p.score();
                n[di][li]++;
                any = true;
            }
            if (!any) continue;
            double total = 0;
            int cells = 0;
            List<Number[]> data = new ArrayList<>();
            List<Integer> ys = new ArrayList<>(depths.descendingSet()); // depth 0 at the top, as in the paper
            for (int di = 0; di < depths.size(); di++) {
                for (int li = 0; li < lengths.size(); li++) {
                    if (n[di][li] == 0) continue;
                    double v = sum[di][li] / n[di][li];
                    data.add(new Number[] {li, depths.size() - 1 - di, v});
                    total += v;
                    cells++;
                }
            }
            String title = combo + String.format(java.util.Locale.ROOT, " (average %.1f)", total / cells);
            HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(420, 90 + 48 * lengths.size())).height(Math.max(320, 110 + 26 * depths.size()))
                    .title(title).xAxisTitle("context length (tokens)").yAxisTitle("depth (%)").build();
            chart.getStyler().setShowValue(false).setPiecewise(false).setRangeColors(PAPER_COLOURS).setMin(0).setMax(100)
                    .setLegendVisible(false);
            chart.addSeries("score", new ArrayList<>(lengths), ys, data);
            Path file = dir.resolve(HEATMAPS).resolve("niah-" + combo.variant() + (combo.compresses() ? "-B" + combo.budget() : "") + ".png");
            out.add(save(chart, file));
            tiles.add(BitmapEncoder.getBufferedImage(chart));
        }
        if (!tiles.isEmpty()) out.add(grid(tiles, s, dir.resolve(HEATMAP_SUMMARY)));
        return out;
    }

    /** The heat maps side by side: one row per method, one column per budget (full alone in its row). */
    private static Path grid(List<BufferedImage> tiles, EvalSettings s, Path file) throws IOException {
        int w = tiles.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int h = tiles.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
        int cols = Math.max(1, s.budgets().size());
        List<List<BufferedImage>> rows = new ArrayList<>();
        int i = 0;
        for (String method : s.variants()) {
            int count = method.equals(EvalSettings.FULL) ? 1 : s.budgets().size();
            List<BufferedImage> row = new ArrayList<>();
            for (int k = 0; k < count && i < tiles.size(); k++) row.add(tiles.get(i++));
            if (!row.isEmpty()) rows.add(row);
        }
        int header = 36;
        BufferedImage img = new BufferedImage(Math.max(cols * w, 760), header + rows.size() * h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("Needle in a haystack: word overlap, 0 (red) to 100 (green)", 12, 24);
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) g.drawImage(rows.get(r).get(c), c * w, header + r * h, null);
        }
        g.dispose();
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
        return file;
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }
}
