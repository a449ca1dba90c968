package io.github.compresskv.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compresskv eval} end to end on the embedded model with a two-cell needle grid, and its errors. */
class EvalCommandTest {

    @Test
    void niahWritesTheRunFolderAndResumes(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        String[] args = {"eval", "niah", "--model", "models/compresskv-tiny.gguf", "--lengths", "300", "--depths", "0,100",
                "--methods", "full,snapkv", "--budgets", "32", "--max-new-tokens", "4", "--out", out.toString()};
        CliTest.Run r = CliTest.run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| method | B=32 |") && r.out().contains("| snapkv |"), r.out());
        for (String f : new String[] {"config.json", "predictions.jsonl", "metrics.json", "summary.md", "score-vs-budget.png",
                "score-vs-kv-fraction.png", "niah-heatmaps.png", "heatmaps/niah-full.png", "heatmaps/niah-snapkv-B32.png"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(out.resolve("predictions.jsonl")).size());
        assertTrue(r.err().contains("2 prefills"), r.err());

        CliTest.Run again = CliTest.run(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("resuming") && again.err().contains("0 prefills"), again.err());
        assertEquals(4, Files.readAllLines(out.resolve("predictions.jsonl")).size());

        args[java.util.Arrays.asList(args).indexOf("--budgets") + 1] = "64"; // other budgets, same folder
        CliTest.Run other = CliTest.run(args);
        assertEquals(1, other.code());
        assertTrue(other.err().contains("'run.budgets'"), other.err());
    }

    @Test
    void longBenchRunsFromAFolderOfJsonlFiles(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            jsonl.append("{\"_id\": \"q").append(i).append("\", \"input\": \"Where does Ada live?\", \"context\": \"")
                    .append("Passage 1: Ada lives in Oslo. The rain fell on the quiet river. ".repeat(6 + i))
                    .append("\", \"answers\": [\"Oslo\"], \"length\": 60, \"dataset\": \"hotpotqa\", \"language\": \"en\", \"all_classes\": null}\n");
        }
        Files.writeString(data.resolve("hotpotqa.jsonl"), jsonl);
        Path out = dir.resolve("run");
        CliTest.Run r = CliTest.run("eval", "longbench", "--model", "models/compresskv-tiny.gguf", "--data", data.toString(),
                "--methods", "full,snapkv", "--budgets", "16", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(4, Files.readAllLines(out.resolve("predictions.jsonl")).size());
        String config = Files.readString(out.resolve("config.json"));
        assertTrue(config.contains("\"suite_inputs\"") && config.contains("hotpotqa"), config);
        assertTrue(Files.readString(out.resolve("metrics.json")).contains("\"hotpotqa\""));
    }

    @Test
    void badSuitesAndFlagsAreOneLine(@TempDir Path dir) {
        CliTest.Run unknown = CliTest.run("eval", "nosuch", "--out", dir.resolve("a").toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown suite 'nosuch'"), unknown.err());
        CliTest.Run lb = CliTest.run("eval", "longbench", "--out", dir.resolve("b").toString());
        assertEquals(1, lb.code());
        assertTrue(lb.err().contains("--data"), lb.err());
        CliTest.Run task = CliTest.run("eval", "ruler", "--tasks", "qa", "--out", dir.resolve("c").toString());
        assertEquals(1, task.code());
        assertTrue(task.err().contains("unknown RULER task 'qa'"), task.err());
        CliTest.Run method = CliTest.run("eval", "niah", "--methods", "full,bogus", "--out", dir.resolve("d").toString());
        assertEquals(1, method.code());
        assertTrue(method.err().contains("bogus"), method.err());
        assertEquals(1, CliTest.run("eval", "niah", "--lengths", "100000", "--out", dir.resolve("e").toString()).code());
    }

    @Test
    void demoAndEvalAreRegistered() {
        CliTest.Run demo = CliTest.run("demo", "--help");
        assertEquals(0, demo.code());
        assertTrue(demo.out().contains("RULER"), demo.out());
        assertEquals(0, CliTest.run("eval", "--help").code());
    }

    @Test
    void defaultLengthsFitTheContext() {
        assertArrayEquals(new int[] {1024, 2048, 4096}, EvalCommand.defaultLengths(8192, 50));
        assertArrayEquals(new int[] {1024, 2048, 4096, 8192}, EvalCommand.defaultLengths(32768, 50));
        assertArrayEquals(new int[] {256}, EvalCommand.defaultLengths(512, 50));
    }
}
