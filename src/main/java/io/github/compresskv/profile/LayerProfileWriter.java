package io.github.compresskv.profile;

import io.github.compresskv.format.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a layer profile in the authors' layout — one JSON object with a vector per calibration task (ê_d, keyed
 * by task name) and {@code "avg_score"} (ẽ), the member {@link io.github.compresskv.compress.LayerProfile} reads —
 * plus our metadata under {@code "profile_info"}, which readers of the authors' format ignore. Also the bar chart of
 * ẽ per layer (PNG). Files are written to a temporary sibling and moved into place.
 */
public final class LayerProfileWriter {
    public static final String AVG_KEY = "avg_score";
    public static final String INFO_KEY = "profile_info";
    public static final Set<String> RESERVED_KEYS = Set.of(AVG_KEY, INFO_KEY);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LayerProfileWriter() {}

    /** The JSON text of {@code profile} with {@code info} (plus per-task sample counts and raw sums) as metadata. */
    public static String json(LayerErrorProfile profile, Map<String, Object> info) {
        ObjectNode root = JSON.createObjectNode();
        for (int t = 0; t < profile.tasks().size(); t++) root.set(profile.tasks().get(t), array(profile.normalised()[t]));
        root.set(AVG_KEY, array(profile.avgScore()));
        ObjectNode meta = JSON.valueToTree(info);
        meta.put("producer", io.github.compresskv.compress.LayerProfile.PRODUCER);
        meta.put("layers", profile.layers());
        meta.put("decode_steps", profile.decodeSteps());
        ObjectNode tasks = meta.putObject("tasks");
        for (int t = 0; t < profile.tasks().size(); t++) {
            ObjectNode task = tasks.putObject(profile.tasks().get(t));
            task.put("samples", profile.samples()[t]);
            task.set("error_sums", array(profile.sums()[t]));
        }
        root.set(INFO_KEY, meta);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeJson(Path file, LayerErrorProfile profile, Map<String, Object> info) throws IOException {
        String text = json(profile, info);
        AtomicFiles.write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** A bar chart of ẽ per layer. */
    public static void writeChart(Path file, double[] errors, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(900).height(450).title(title)
                .xAxisTitle("layer").yAxisTitle("normalised eviction error").build();
        chart.getStyler().setLegendVisible(false);
        List<Integer> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int l = 0; l < errors.length; l++) {
            x.add(l);
            y.add(errors[l]);
        }
        chart.addSeries("error", x, y);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static ArrayNode array(double[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (double x : v) a.add(x);
        return a;
    }
}
