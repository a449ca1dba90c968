package io.github.compresskv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run that survives a kill: {@code compresskv eval} in its own JVM is SIGKILLed 20 times at random moments and
 * resumed each time; after every kill no file of the run folder is torn (a torn last line of predictions.jsonl is
 * allowed: reopening cuts it), and the finished run's predictions equal those of an uninterrupted run.
 */
class EvalKillResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KILLS = 20;
    /** Fields that measure time and so differ between any two runs. */
    private static final List<String> TIMINGS = List.of("prefill_ms", "decode_ms");

    private static final String[] EVAL = {"eval", "niah", "--model", "models/compresskv-tiny.gguf", "--lengths", "300",
            "--depths", "0,100", "--methods", "full,snapkv", "--budgets", "32", "--max-new-tokens", "4"};

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void killedAtRandomMomentsAndResumedGivesTheUninterruptedPredictions(@TempDir Path dir) throws Exception {
        Path reference = dir.resolve("uninterrupted");
        long start = System.nanoTime();
        Process whole = start(reference);
        assertEquals(0, whole.waitFor(), () -> output(reference));
        long runMs = (System.nanoTime() - start) / 1_000_000;
        Map<String, JsonNode> expected = predictions(reference);
        assertEquals(4, expected.size());

        Path killed = dir.resolve("killed");
        Random random = new Random(18);
        int finishedBeforeTheKill = 0;
        for (int i = 0; i < KILLS; i++) {
            Process p = start(killed);
            // any moment of a run: JVM start, model load, prefill, appending a line, writing reports
            if (p.waitFor(random.nextLong(runMs), TimeUnit.MILLISECONDS)) {
                finishedBeforeTheKill++;
                assertEquals(0, p.exitValue(), () -> output(killed));
            } else {
                p.destroyForcibly(); // SIGKILL on Linux and macOS
                p.waitFor();
            }
            assertNothingTorn(killed);
        }
        Process last = start(killed);
        assertEquals(0, last.waitFor(), () -> output(killed));
        assertNothingTorn(killed);
        assertEquals(expected, predictions(killed), "predictions after " + KILLS + " kills (" + finishedBeforeTheKill
                + " runs finished before their kill)");
        for (String report : new String[] {"metrics.json", "summary.md", "score-vs-budget.png"}) {
            assertTrue(Files.isRegularFile(killed.resolve(report)), report);
        }
    }

    private static Process start(Path out) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(EVAL));
        cmd.addAll(List.of("--out", out.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(log(out).toFile()).start();
    }

    private static String output(Path out) {
        try {
            return Files.readString(log(out));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static Path log(Path out) { return out.resolveSibling(out.getFileName() + ".log"); }

    /** Predictions by key without their timings; a key seen twice fails. */
    private static Map<String, JsonNode> predictions(Path run) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("predictions.jsonl"), StandardCharsets.UTF_8)) {
            ObjectNode p = (ObjectNode) JSON.readTree(line);
            TIMINGS.forEach(p::remove);
            String key = p.get("id").asText() + "/" + p.get("method").asText() + "/" + p.get("unit").asText() + "/" + p.get("budget").asText();
            assertEquals(null, out.put(key, p), "prediction " + key + " written twice");
        }
        return out;
    }

    /** Every file that exists is whole: JSON parses, images decode; predictions.jsonl may end in one torn line. */
    private static void assertNothingTorn(Path run) throws IOException {
        if (!Files.isDirectory(run)) return;
        try (Stream<Path> files = Files.walk(run)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.equals("predictions.jsonl")) {
                    String text = Files.readString(f, StandardCharsets.UTF_8);
                    int end = text.lastIndexOf('\n') + 1; // after the last newline: a line cut by the kill
                    for (String line : text.substring(0, end).lines().toList()) JSON.readTree(line);
                } else if (name.endsWith(".json")) {
                    assertNotNull(JSON.readTree(Files.readString(f)), f + " is empty");
                } else if (name.endsWith(".png")) {
                    assertNotNull(ImageIO.read(f.toFile()), f + " is not a whole PNG");
                } else if (name.endsWith(".md")) {
                    assertTrue(Files.readString(f).endsWith("\n"), f + " is cut short");
                }
            }
        }
    }
}
