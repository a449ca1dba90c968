package io.github.compresskv.eval.longbench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LongBench (v1, and LongBench-E files) from the official jsonl files in a user-supplied folder, prompted and
 * scored as LongBench's pred.py and eval.py do: the official template and generation length per dataset, middle
 * truncation to the model's maximum prompt length in tokens, the chat template except for the few-shot and code
 * tasks, the official metric per dataset (max over answers; first line only for trec/triviaqa/samsum/lsht), and the
 * per-dataset, per-category and 16-dataset averages ({@link LongBenchAggregation}). Scores are in [0, 1].
 * <p>
 * Item attributes: {@code dataset}, {@code category}, {@code language}, {@code length} (the record's),
 * {@code prompt_tokens} (before truncation), {@code truncated}, {@code _id}, {@code all_classes} (JSON list,
 * classification only) and {@code stop_on_newline} for samsum (pred.py also stops samsum at a newline token).
 */
public final class LongBenchSuite implements EvalSuite {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final List<String> datasets;
    private final int maxSamplesPerDataset;
    private final LongBenchConfig config = LongBenchConfig.official();

    /**
     * @param folder               the folder holding {@code <dataset>.jsonl} files (LongBench's data.zip, unpacked)
     * @param datasets             dataset names to run; empty: every known dataset (and LongBench-E variant) whose
     *                             file exists, in pred.py's order
     * @param maxSamplesPerDataset the first N records of each file (0: all)
     */
    public LongBenchSuite(Path folder, List<String> datasets, int maxSamplesPerDataset) {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException("LongBench folder " + folder + " is not a directory");
        if (maxSamplesPerDataset < 0) {
            throw new IllegalArgumentException("samples per LongBench dataset must be ≥ 0 (0 = all), got " + maxSamplesPerDataset);
        }
        this.folder = folder;
        this.maxSamplesPerDataset = maxSamplesPerDataset;
        this.datasets = datasets.isEmpty() ? present(folder) : List.copyOf(datasets);
        for (String d : this.datasets) {
            LongBenchTask.require(d);
            if (!Files.isRegularFile(file(d))) throw new IllegalArgumentException("LongBench file " + file(d) + " does not exist");
        }
    }

    @Override
    public String name() { return "longbench"; }

    /** The datasets this suite runs, in order. */
    public List<String> datasets() { return datasets; }

    @Override
    public List<EvalItem> items(Tokenizer tokenizer, int maxPromptTokens) {
        MiddleTruncation truncation = new MiddleTruncation(tokenizer);
        List<EvalItem> items = new ArrayList<>();
        for (String dataset : datasets) {
            LongBenchTask task = LongBenchTask.require(dataset);
            PromptTemplate template = config.template(task);
            for (LongBenchRecord r : LongBenchJsonl.read(file(dataset), dataset, maxSamplesPerDataset)) {
                MiddleTruncation.Result prompt = truncation.truncate(template.fill(r.context(), r.input()), maxPromptTokens);
                items.add(new EvalItem(dataset + "/" + r.id(), dataset, prompt.prompt(), task.usesChatTemplate(),
                        config.maxNewTokens(task), r.answers(), attributes(task, r, prompt)));
            }
        }
        return items;
    }

    @Override
    public double score(EvalItem item, String prediction) {
        LongBenchTask task = LongBenchTask.require(item.task());
        return LongBenchScoring.score(task, prediction, item.references(), allClasses(item));
    }

    @Override
    public Map<String, Double> aggregate(List<ScoredItem> scored) {
        return LongBenchAggregation.aggregate(scored);
    }

    private Path file(String dataset) { return folder.resolve(dataset + ".jsonl"); }

    private static List<String> present(Path folder) {
        List<String> found = new ArrayList<>();
        for (String suffix : List.of("", LongBenchTask.LONGBENCH_E_SUFFIX)) {
            for (String name : LongBenchTask.names()) {
                if (Files.isRegularFile(folder.resolve(name + suffix + ".jsonl"))) found.add(name + suffix);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no LongBench files in " + folder + ": expected <dataset>.jsonl for datasets "
                    + LongBenchTask.names());
        }
        return found;
    }

    private static Map<String, String> attributes(LongBenchTask task, LongBenchRecord r, MiddleTruncation.Result prompt) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("dataset", r.dataset());
        a.put("category", task.category().slug());
        a.put("language", r.language());
        a.put("length", Long.toString(r.length()));
        a.put("prompt_tokens", Integer.toString(prompt.originalTokens()));
        a.put("truncated", Boolean.toString(prompt.truncated()));
        a.put("_id", r.id());
        if (!r.allClasses().isEmpty()) a.put("all_classes", toJson(r.allClasses()));
        if (task == LongBenchTask.SAMSUM) a.put("stop_on_newline", "true");
        return a;
    }

    private static List<String> allClasses(EvalItem item) {
        String json = item.attributes().get("all_classes");
        if (json == null) return List.of();
        try {
            return JSON.readValue(json, new TypeReference<>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("item " + item.id() + ": attribute all_classes is not a JSON list of strings: " + json, e);
        }
    }

    private static String toJson(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
