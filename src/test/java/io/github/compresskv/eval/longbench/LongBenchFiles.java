package io.github.compresskv.eval.longbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small LongBench-format records and files for the tests. */
final class LongBenchFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LongBenchFiles() {}

    /** One record line as the official files have it. */
    static ObjectNode record(String dataset, String id, String input, String context, List<String> answers, List<String> allClasses) {
        ObjectNode n = JSON.createObjectNode();
        n.put("input", input);
        n.put("context", context);
        n.set("answers", JSON.valueToTree(answers));
        n.put("length", context.split("\\s+").length);
        n.put("dataset", dataset);
        n.put("language", "en");
        if (allClasses == null) n.putNull("all_classes");
        else n.set("all_classes", JSON.valueToTree(allClasses));
        n.put("_id", id);
        return n;
    }

    static Path write(Path folder, String dataset, List<ObjectNode> records) throws IOException {
        StringBuilder text = new StringBuilder();
        for (ObjectNode r : records) text.append(r).append('\n');
        return writeText(folder, dataset, text.toString());
    }

    static Path writeText(Path folder, String dataset, String text) throws IOException {
        Path file = folder.resolve(dataset + ".jsonl");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
