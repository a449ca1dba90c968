package io.github.compresskv.profile;

import io.github.compresskv.format.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A layers × heads heat map of per-head scores as a PNG (x = query head, y = layer). */
public final class HeadHeatMap {
    private HeadHeatMap() {}

    public static void write(double[][] scores, String title, Path png) {
        System.setProperty("java.awt.headless", "true");
        int layers = scores.length;
        int heads = layers == 0 ? 0 : scores[0].length;
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(500, 60 + heads * 40)).height(Math.max(400, 120 + layers * 28))
                .title(title).xAxisTitle("query head").yAxisTitle("layer").build();
        chart.getStyler().setShowValue(false).setPiecewise(false)
                .setRangeColors(new Color[] {new Color(255, 255, 255), new Color(253, 174, 97), new Color(215, 25, 28)});
        List<Integer> xs = new ArrayList<>();
        for (int h = 0; h < heads; h++) xs.add(h);
        List<Integer> ys = new ArrayList<>();
        for (int l = 0; l < layers; l++) ys.add(l);
        List<Number[]> cells = new ArrayList<>();
        double max = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                cells.add(new Number[] {h, l, scores[l][h]});
                max = Math.max(max, scores[l][h]);
            }
        }
        chart.getStyler().setMin(0).setMax(max > 0 ? max : 1);
        chart.addSeries("score", xs, ys, cells);
        try {
            AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write heat map " + png + ": " + e.getMessage(), e);
        }
    }
}
