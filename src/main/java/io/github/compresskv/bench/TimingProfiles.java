package io.github.compresskv.bench;

import io.github.compresskv.format.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Placeholder CompressKV profiles for timing a model that has none (a random-weight {@code synth} model): heads
 * ranked in index order and equal layer errors (equal budgets). CompressKV's cost depends on how many heads it
 * scores and how many rows it keeps, not on which: the timing is the method's, the selection is meaningless.
 */
public final class TimingProfiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TimingProfiles() {}

    public static Path writeHeads(Path file, ModelConfig c) throws IOException {
        List<List<Integer>> ranking = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            List<Integer> heads = new ArrayList<>();
            for (int h = 0; h < c.heads(); h++) heads.add(h);
            ranking.add(heads);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("note", "placeholder for timing (compresskv bench): heads in index order, not a profile of the model");
        root.put("ranking", ranking);
        AtomicFiles.write(file, out -> JSON.writeValue(out, root));
        return file;
    }

    public static Path writeLayers(Path file, ModelConfig c) throws IOException {
        double[] avg = new double[c.layers()];
        java.util.Arrays.fill(avg, 1.0 / c.layers());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("note", "placeholder for timing (compresskv bench): equal errors, so equal layer budgets");
        root.put("avg_score", avg);
        AtomicFiles.write(file, out -> JSON.writeValue(out, root));
        return file;
    }
}
