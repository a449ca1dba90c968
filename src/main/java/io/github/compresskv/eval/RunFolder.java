package io.github.compresskv.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A run's folder: {@code config.json} (written once; its {@code run} part must match when the run is resumed),
 * {@code predictions.jsonl} (one line per item × method × budget, appended and flushed line by line, so an
 * interrupted run leaves whole lines and at most one torn last line, which reopening cuts off), and the reports
 * written by {@link RunReport}. Not thread-safe.
 */
public final class RunFolder implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String PREDICTIONS = "predictions.jsonl";
    /** Locked while a run uses the folder. */
    public static final String LOCK = ".lock";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path dir;
    private final List<Prediction> predictions = new ArrayList<>();
    private final Set<String> done = new HashSet<>();
    private final int resumed;
    private final boolean truncatedTornLine;
    private OutputStream out;
    private FileChannel lockChannel;

    private RunFolder(Path dir, int resumed, boolean truncatedTornLine) {
        this.dir = dir;
        this.resumed = resumed;
        this.truncatedTornLine = truncatedTornLine;
    }

    /**
     * Opens (creating) {@code dir} for a run described by {@code config} (an object with a {@code run} part that
     * identifies the work and a {@code provenance} part that may change between sessions). An existing folder must
     * hold the same {@code run} part; its predictions are loaded so that finished work is skipped.
     */
    public static RunFolder open(Path dir, ObjectNode config) {
        FileChannel lock = null;
        try {
            Files.createDirectories(dir);
            // one run per folder at a time: two would append the same work twice
            lock = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            java.nio.channels.FileLock held;
            try {
                held = lock.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException inThisJvm) {
                held = null;
            }
            if (held == null) {
                lock.close();
                throw new IllegalArgumentException("--out: another run is using " + dir + " (it holds " + dir.resolve(LOCK) + ")");
            }
            Path configFile = dir.resolve(CONFIG);
            Path predictionsFile = dir.resolve(PREDICTIONS);
            if (Files.exists(configFile)) {
                JsonNode old;
                try {
                    old = JSON.readTree(Files.readString(configFile, StandardCharsets.UTF_8));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("--out: " + configFile + " is not valid JSON: " + e.getOriginalMessage());
                }
                // compare as both sides read from text (a long 42 written is an int 42 read)
                JsonNode now = JSON.readTree(JSON.writeValueAsString(config.path("run")));
                String diff = firstDifference("run", old.path("run"), now);
                if (diff != null) {
                    throw new IllegalArgumentException("--out: " + dir + " holds a run with another configuration (" + diff
                            + "); use another --out folder, or delete this one to start over");
                }
            } else {
                if (Files.exists(predictionsFile)) {
                    throw new IllegalArgumentException("--out: " + dir + " holds " + PREDICTIONS + " but no " + CONFIG + "; not a run folder of this harness");
                }
                writeAtomically(configFile, JSON.writeValueAsString(config) + "\n");
            }
            boolean torn = false;
            List<Prediction> loaded = new ArrayList<>();
            if (Files.exists(predictionsFile)) {
                torn = cutTornLastLine(predictionsFile);
                List<String> lines = Files.readAllLines(predictionsFile, StandardCharsets.UTF_8);
                for (int n = 0; n < lines.size(); n++) {
                    if (lines.get(n).isBlank()) continue;
                    try {
                        loaded.add(Prediction.fromJson(JSON.readTree(lines.get(n))));
                    } catch (JsonProcessingException | IllegalArgumentException e) {
                        throw new IllegalArgumentException(predictionsFile + " line " + (n + 1) + " is not a prediction: " + e.getMessage());
                    }
                }
            }
            RunFolder f = new RunFolder(dir, loaded.size(), torn);
            for (Prediction p : loaded) f.add(p);
            f.out = Files.newOutputStream(predictionsFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            f.lockChannel = lock;
            return f;
        } catch (IOException | RuntimeException e) {
            if (lock != null && lock.isOpen()) {
                try {
                    lock.close();
                } catch (IOException ignored) {
                    // the first error is the one to report
                }
            }
            if (e instanceof IOException io) throw new UncheckedIOException("--out: cannot use " + dir + ": " + io.getMessage(), io);
            throw (RuntimeException) e;
        }
    }

    private void add(Prediction p) {
        if (done.add(p.key())) predictions.add(p);
    }

    public Path dir() { return dir; }

    /** Predictions loaded from an earlier session. */
    public int resumedCount() { return resumed; }

    /** Whether opening cut off an incomplete last line (an interrupted write). */
    public boolean truncatedTornLine() { return truncatedTornLine; }

    /** Whether item {@code itemId} has its answer for the variant ({@code method} or {@code method+unit}) and budget. */
    public boolean isDone(String itemId, String variant, int budget) { return done.contains(Prediction.key(itemId, variant, budget)); }

    /** All predictions, resumed and new, in file order. */
    public List<Prediction> predictions() { return Collections.unmodifiableList(predictions); }

    /** Appends one prediction as one line and flushes it. */
    public void append(Prediction p) {
        try {
            out.write((LINE.writeValueAsString(p.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(PREDICTIONS) + ": " + e.getMessage(), e);
        }
        add(p);
    }

    @Override
    public void close() {
        try {
            if (out != null) out.close();
            if (lockChannel != null) lockChannel.close(); // releases the lock
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} to a temporary file beside {@code file} and moves it into place. */
    public static void writeAtomically(Path file, String text) throws IOException {
        io.github.compresskv.format.AtomicFiles.writeString(file, text);
    }

    /** Cuts the file after its last newline; true when there was something after it. */
    static boolean cutTornLastLine(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0) return false;
            long keep = size;
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') break;
                keep--;
            }
            if (keep == size) return false;
            ch.truncate(keep);
            return true;
        }
    }

    /** The first key path at which two JSON trees differ, as "key 'a.b' was X, is now Y"; null when equal. */
    static String firstDifference(String path, JsonNode was, JsonNode now) {
        if (was.isObject() && now.isObject()) {
            Set<String> keys = new java.util.LinkedHashSet<>();
            was.fieldNames().forEachRemaining(keys::add);
            now.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                String d = firstDifference(path + "." + k, was.path(k), now.path(k));
                if (d != null) return d;
            }
            return null;
        }
        if (was.equals(now)) return null;
        return "key '" + path + "' was " + show(was) + ", is now " + show(now);
    }

    private static String show(JsonNode n) { return n.isMissingNode() ? "absent" : n.toString(); }

}
