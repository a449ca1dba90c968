package io.github.compresskv.eval.longbench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an official LongBench task file ({@code <dataset>.jsonl}, UTF-8, one JSON object per line). Every problem
 * is one {@link IllegalArgumentException} naming the file, the line and the field: invalid UTF-8, a line that is
 * not one complete JSON object (a truncated last line included), a missing field or one of the wrong type, an empty
 * answer list, a classification record without class names, a record of another dataset, a repeated {@code _id}.
 */
public final class LongBenchJsonl {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private LongBenchJsonl() {}

    /**
     * The records of {@code file} for dataset {@code datasetName} (the file name without ".jsonl"), in file order.
     *
     * @param maxRecords read at most this many records (0: all)
     */
    public static List<LongBenchRecord> read(Path file, String datasetName, int maxRecords) {
        if (maxRecords < 0) throw new IllegalArgumentException("maxRecords must be ≥ 0, got " + maxRecords);
        LongBenchTask task = LongBenchTask.require(datasetName);
        List<LongBenchRecord> records = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        int lineNumber = 0;
        try (InputStream in = Files.newInputStream(file)) {
            LineReader lines = new LineReader(in);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while ((maxRecords == 0 || records.size() < maxRecords) && lines.next(bytes)) {
                lineNumber++;
                String line = decode(bytes, file, lineNumber);
                LongBenchRecord r = parse(line, file, lineNumber, datasetName, task);
                Integer earlier = lineOfId.putIfAbsent(r.id(), lineNumber);
                if (earlier != null) {
                    throw error(file, lineNumber, "_id", "\"" + r.id() + "\" repeats the _id of line " + earlier);
                }
                records.add(r);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("LongBench file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read LongBench file " + file + ": " + e.getMessage(), e);
        }
        if (records.isEmpty()) throw new IllegalArgumentException("LongBench file " + file + " has no records");
        return records;
    }

    /** Splits a byte stream at "\n", copying whole runs of the buffer rather than byte by byte. */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int position, limit;

        LineReader(InputStream in) { this.in = in; }

        /** The next line's bytes (without "\n") into {@code into}; false at the end of the stream. */
        boolean next(ByteArrayOutputStream into) throws IOException {
            into.reset();
            boolean any = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return any;
                    }
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') position++;
                into.write(buffer, start, position - start);
                if (position < limit) {
                    position++;
                    return true;
                }
            }
        }
    }

    private static String decode(ByteArrayOutputStream bytes, Path file, int lineNumber) {
        byte[] raw = bytes.toByteArray();
        int n = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ":" + lineNumber + ": not valid UTF-8 (" + e + ")", e);
        }
    }

    private static LongBenchRecord parse(String line, Path file, int lineNumber, String datasetName, LongBenchTask task) {
        if (line.isBlank()) throw new IllegalArgumentException(file + ":" + lineNumber + ": empty line (expected one JSON record per line)");
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ":" + lineNumber + ": not a complete JSON record (truncated or corrupted file?): "
                    + e.getOriginalMessage(), e);
        }
        if (!node.isObject()) throw new IllegalArgumentException(file + ":" + lineNumber + ": expected a JSON object, found " + node.getNodeType());
        String dataset = text(node, "dataset", file, lineNumber);
        if (!dataset.equals(datasetName) && LongBenchTask.byName(dataset).orElse(null) != task) {
            throw error(file, lineNumber, "dataset", "expected \"" + datasetName + "\" (the file's name), found \"" + dataset + "\"");
        }
        List<String> answers = strings(node, "answers", file, lineNumber);
        if (answers.isEmpty()) throw error(file, lineNumber, "answers", "expected at least one answer, found []");
        JsonNode length = node.get("length");
        if (length == null || !length.canConvertToLong() || !length.isIntegralNumber()) {
            throw error(file, lineNumber, "length", "expected an integer, found " + describe(length));
        }
        JsonNode classes = node.get("all_classes");
        List<String> allClasses = classes == null || classes.isNull() ? List.of() : strings(node, "all_classes", file, lineNumber);
        if (task.metric() == LongBenchMetric.CLASSIFICATION && allClasses.isEmpty()) {
            throw error(file, lineNumber, "all_classes", "a " + task.datasetName() + " record needs its class names, found " + describe(classes));
        }
        return new LongBenchRecord(text(node, "_id", file, lineNumber), text(node, "input", file, lineNumber),
                text(node, "context", file, lineNumber), answers, length.asLong(), dataset,
                text(node, "language", file, lineNumber), allClasses);
    }

    private static String text(JsonNode node, String field, Path file, int line) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw error(file, line, field, "expected a string, found " + describe(v));
        return v.asText();
    }

    private static List<String> strings(JsonNode node, String field, Path file, int line) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) throw error(file, line, field, "expected a list of strings, found " + describe(v));
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) throw error(file, line, field + "[" + i + "]", "expected a string, found " + describe(e));
            out.add(e.asText());
        }
        return out;
    }

    private static String describe(JsonNode v) {
        if (v == null) return "no such field";
        String s = v.toString();
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + (s.length() > 40 ? s.substring(0, 40) + "…" : s);
    }

    private static IllegalArgumentException error(Path file, int line, String field, String what) {
        return new IllegalArgumentException(file + ":" + line + ": field \"" + field + "\": " + what);
    }
}
