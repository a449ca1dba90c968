package io.github.compresskv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.compresskv.bench.BenchReport;
import io.github.compresskv.convert.ModelShape;
import io.github.compresskv.convert.SyntheticModelWriter;
import io.github.compresskv.tensor.GgmlType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench --contexts ...}: the run folder's files and their consistency, on a small synthetic model. */
class BenchSweepTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void makeModel() throws IOException {
        model = dir.resolve("synth.gguf");
        new SyntheticModelWriter(p -> {}).write(
                new ModelShape("bench-test", "llama", 64, 2, 4, 2, 16, 96, 300, 512, 10000f, true, false), GgmlType.Q8_0, 1, model);
    }

    @Test
    void sweepWritesOneRowPerPointAndThePlots() throws IOException {
        Path out = dir.resolve("run");
        CliTest.Run r = CliTest.run("bench", "--model", model.toString(), "--contexts", "48,96", "--methods", "full,compresskv,snapkv",
                "--budgets", "24", "--gen-tokens", "3", "--warmup", "1", "--probe-mib", "16", "--streaming", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("placeholder"), "a model without profiles gets placeholders, said so: " + r.err());
        for (String f : List.of("config.json", "results.json", "results.csv", BenchReport.DECODE_PLOT, BenchReport.KV_PLOT,
                BenchReport.PREFILL_PLOT, "placeholder.heads.json", "placeholder.layers.json")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(1 + 2 * 3, csv.size(), "header + 2 contexts × (full + 2 methods × 1 budget)");
        JsonNode rows = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(6, rows.size());
        for (JsonNode row : rows) {
            int n = row.get("context").asInt();
            boolean full = row.get("method").asText().equals("full");
            long kvRow = 2L * 2 * 16 * 2 * 4; // layers × kv heads × headDim × (k, v) × F32
            assertEquals(n * kvRow, row.get("kvBytesUncompressed").asLong(), "uncompressed prompt cache of " + n + " tokens");
            long end = row.get("kvBytes").asLong();
            if (full) assertEquals((n + 1 + 3) * kvRow, end, "full: prompt + warm-up + timed steps");
            else if (row.get("method").asText().equals("snapkv")) assertEquals((24 + 1 + 3) * kvRow, end, "budget 24 per head + decoded rows");
            else assertTrue(end < (n + 1 + 3) * kvRow, "compresskv (layer budgets of mean 24) keeps less than the prompt: " + end);
            assertTrue(row.get("decodeMsMedian").asDouble() > 0 && row.get("prefillSeconds").asDouble() > 0);
            assertTrue(row.get("prefillFractionOfFma").asDouble() > 0 && row.get("decodeFractionOfBandwidth").asDouble() > 0);
            assertEquals(full ? 0.0 : 1.0, Math.signum(row.get("compressionSeconds").asDouble()), row.toString());
            assertTrue(row.get("kvBytesPeak").asLong() >= end);
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertTrue(config.get("rates_used").get("readGigabytesPerSecond").asDouble() > 0);
        assertTrue(config.get("rates_used").get("fmaGigaflopsPerSecond").asDouble() > 0);
        assertEquals(3, config.get("warmup_runs").asInt(), "the default warm-up is echoed");
        assertTrue(r.out().contains("compresskv B=24"), r.out());
    }

    @Test
    void sweepOverUnitsNamesEachVariant() throws IOException {
        Path out = dir.resolve("units");
        CliTest.Run r = CliTest.run("bench", "--model", model.toString(), "--contexts", "96", "--methods", "full,streamingllm,snapkv",
                "--units", "token,chunk,sentence", "--budgets", "24", "--gen-tokens", "2", "--warmup", "1", "--warmup-runs", "1",
                "--probe-mib", "16", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        List<String> methods = new java.util.ArrayList<>();
        for (JsonNode row : rows) methods.add(row.get("method").asText());
        assertEquals(List.of("full", "streamingllm", "snapkv", "snapkv+chunk10", "snapkv+sentence"), methods, "streamingllm with tokens only");
        Files.readAllLines(out.resolve("results.csv")).stream().skip(1).forEach(line -> assertTrue(line.startsWith("96,"), line));
        CliTest.Run bad = CliTest.run("bench", "--model", model.toString(), "--contexts", "64", "--methods", "snapkv", "--budgets", "8",
                "--units", "words");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--unit"), bad.err());
    }

    @Test
    void badSweepFlagsAreOneLineErrors() {
        CliTest.Run zero = CliTest.run("bench", "--model", model.toString(), "--contexts", "0", "--out", dir.resolve("bad").toString());
        assertEquals(1, zero.code());
        assertTrue(zero.err().contains("--contexts"), zero.err());
        CliTest.Run negativeWarmup = CliTest.run("bench", "--model", model.toString(), "--contexts", "64", "--warmup-runs", "-1");
        assertEquals(1, negativeWarmup.code());
        assertTrue(negativeWarmup.err().contains("--warmup-runs"), negativeWarmup.err());
        CliTest.Run noBudget = CliTest.run("bench", "--model", model.toString(), "--contexts", "64", "--methods", "snapkv");
        assertEquals(1, noBudget.code());
        assertTrue(noBudget.err().contains("--budgets"), noBudget.err());
        CliTest.Run tooLong = CliTest.run("bench", "--model", model.toString(), "--contexts", "500", "--gen-tokens", "32",
                "--probe-mib", "16", "--out", dir.resolve("bad2").toString());
        assertEquals(1, tooLong.code());
        assertTrue(tooLong.err().contains("context length 512"), tooLong.err());
        CliTest.Run unknown = CliTest.run("bench", "--model", model.toString(), "--contexts", "64", "--methods", "nope", "--budgets", "8");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("nope"), unknown.err());
        assertFalse(unknown.err().contains("\tat "), unknown.err());
    }
}
