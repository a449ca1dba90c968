package io.github.compresskv.profile;

import io.github.compresskv.format.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .partial.jsonl} file that makes a profile resumable: a first line with the probe configuration,
 * then one {@link TrialRecord} per line, flushed after each trial. Reopening it with the same configuration
 * returns the trials already done; a torn last line (the run was killed mid-write) is dropped.
 */
final class PartialTrials implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, TrialRecord> done = new HashMap<>();
    private final BufferedWriter out;

    PartialTrials(Path file, JsonNode probe) {
        this.file = file;
        try {
            JsonNode config = JSON.readTree(probe.toString()); // as it reads back: numbers compare by parsed type
            List<String> keep = new ArrayList<>();
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (!lines.isEmpty()) {
                    JsonNode header = parse(lines.get(0));
                    if (header == null || !config.equals(header.get("probe"))) {
                        throw new ProfileException("partial profile " + file + " was written for a different probe configuration"
                                + " (model, haystack, lengths, depths, needles, seed); delete it or rerun with the same options");
                    }
                    keep.add(lines.get(0));
                    for (int i = 1; i < lines.size(); i++) {
                        JsonNode n = parse(lines.get(i));
                        if (n == null) break; // torn line: the run stopped while writing it
                        TrialRecord r;
                        try {
                            r = TrialRecord.fromJson(n);
                        } catch (RuntimeException e) {
                            throw new ProfileException("partial profile " + file + " line " + (i + 1) + " is not a trial record: " + e, e);
                        }
                        done.put(key(r.needle(), r.length(), r.depth()), r);
                        keep.add(lines.get(i));
                    }
                }
            }
            if (keep.isEmpty()) keep.add(JSON.createObjectNode().set("probe", config).toString());
            // rewritten whole (without a torn last line) by a rename, so a kill here loses no finished trial
            AtomicFiles.writeString(file, String.join("\n", keep) + "\n");
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use partial profile " + file + ": " + e.getMessage(), e);
        }
    }

    TrialRecord get(int needle, int length, int depth) { return done.get(key(needle, length, depth)); }

    int size() { return done.size(); }

    void append(TrialRecord r) {
        try {
            out.write(r.toJson().toString());
            out.newLine();
            out.flush();
            done.put(key(r.needle(), r.length(), r.depth()), r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to partial profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Closes and deletes the file: the profile is complete. */
    void delete() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete partial profile " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String key(int needle, int length, int depth) { return needle + "/" + length + "/" + depth; }
}
