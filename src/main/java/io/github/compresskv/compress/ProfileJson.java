package io.github.compresskv.compress;

import io.github.compresskv.format.BoundedFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a profile file as one JSON object; errors name the file, what it is and the command that produces it. */
final class ProfileJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProfileJson() {}

    static JsonNode read(Path file, String what, String producer) {
        try {
            JsonNode root = JSON.readTree(BoundedFiles.readString(file, BoundedFiles.MAX_CONFIG_BYTES,
                    m -> new CompressionException(what + " " + m)));
            if (root == null || !root.isObject()) throw new CompressionException(what + " " + file + ": expected one JSON object");
            return root;
        } catch (NoSuchFileException e) {
            throw new CompressionException(what + " not found: " + file + " (make one with `" + producer + "`)", e);
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + " " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CompressionException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
