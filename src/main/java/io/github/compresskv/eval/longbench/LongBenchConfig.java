package io.github.compresskv.eval.longbench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * LongBench's official per-dataset prompt templates ({@code dataset2prompt.json}) and generation lengths
 * ({@code dataset2maxlen.json}), shipped byte for byte as resources beside this class (MIT licence:
 * {@code LICENSE-LongBench}). The templates keep their original typos ("asconcisely"): prompts must match the
 * published ones.
 */
public final class LongBenchConfig {
    private static final LongBenchConfig OFFICIAL = load();

    private final Map<String, String> prompts;
    private final Map<String, Integer> maxNewTokens;

    private LongBenchConfig(Map<String, String> prompts, Map<String, Integer> maxNewTokens) {
        this.prompts = Map.copyOf(prompts);
        this.maxNewTokens = Map.copyOf(maxNewTokens);
        for (LongBenchTask t : LongBenchTask.values()) {
            if (!this.prompts.containsKey(t.datasetName()) || !this.maxNewTokens.containsKey(t.datasetName())) {
                throw new IllegalStateException("LongBench config resources lack dataset " + t.datasetName());
            }
        }
    }

    public static LongBenchConfig official() { return OFFICIAL; }

    public PromptTemplate template(LongBenchTask task) { return new PromptTemplate(prompts.get(task.datasetName())); }

    public int maxNewTokens(LongBenchTask task) { return maxNewTokens.get(task.datasetName()); }

    private static LongBenchConfig load() {
        ObjectMapper json = new ObjectMapper();
        return new LongBenchConfig(read(json, "dataset2prompt.json", new TypeReference<>() {}),
                read(json, "dataset2maxlen.json", new TypeReference<>() {}));
    }

    private static <T> T read(ObjectMapper json, String name, TypeReference<T> type) {
        try (InputStream in = LongBenchConfig.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " beside " + LongBenchConfig.class.getName());
            return json.readValue(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }
}
