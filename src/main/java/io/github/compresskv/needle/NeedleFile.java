package io.github.compresskv.needle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.compresskv.format.BoundedFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A needles file: a JSON array of objects with {@code sentence}, {@code question}, {@code answer}; the authors'
 * {@code needle} / {@code question} / {@code real_needle} keys are accepted too. Errors name the file and entry.
 */
public final class NeedleFile {
    private NeedleFile() {}

    /** Reads the needles of {@code file}. */
    public static List<Needle> read(Path file) throws IOException {
        try {
            return parse(new ObjectMapper().readTree(BoundedFiles.readString(file, BoundedFiles.MAX_CONFIG_BYTES,
                    m -> new IllegalArgumentException("needles " + m))), file.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("needles " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The needles of a parsed JSON array; {@code source} names it in errors. */
    public static List<Needle> parse(JsonNode root, String source) {
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException("needles " + source + ": expected a non-empty JSON array of {\"sentence\", \"question\", \"answer\"}");
        }
        List<Needle> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            String sentence = text(n, source, i, "sentence", "needle");
            String question = text(n, source, i, "question", "question");
            String answer = text(n, source, i, "answer", "real_needle");
            try {
                out.add(new Needle(sentence, question, answer));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("needles " + source + " entry " + i + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String text(JsonNode n, String source, int i, String key, String authorsKey) {
        JsonNode v = n.has(key) ? n.get(key) : n.get(authorsKey);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("needles " + source + " entry " + i + ": missing text member \"" + key + "\""
                    + (key.equals(authorsKey) ? "" : " (or \"" + authorsKey + "\")"));
        }
        return v.asText();
    }
}
