package io.github.compresskv.cli;

import io.github.compresskv.compress.LayerProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code profile layers} in-process on the embedded model (the command is built alone, as ProfileCommand will hold it). */
class ProfileLayersCommandTest {

    @TempDir
    Path dir;

    private CliTest.Run run(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter picoErr = new StringWriter();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cl = new CommandLine(new ProfileLayersCommand());
            cl.setExecutionExceptionHandler(new UserErrorHandler());
            cl.setCaseInsensitiveEnumValuesAllowed(true); // as Main sets for the whole tree
            cl.setErr(new PrintWriter(picoErr, true));
            int code = cl.execute(args);
            return new CliTest.Run(code, "", err.toString(StandardCharsets.UTF_8) + picoErr);
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void writesJsonAndChartThatGenerateCanRead() throws IOException {
        Path heads = dir.resolve("h.json");
        StringBuilder json = new StringBuilder("{");
        for (int l = 0; l < 14; l++) json.append(l == 0 ? "" : ",").append('"').append(l).append("\":[3,2,1,0]");
        Files.writeString(heads, json.append('}').toString());
        Path out = dir.resolve("tiny.layers.json");
        CliTest.Run r = run("--model", "models/compresskv-tiny.gguf", "--head-profile", heads.toString(), "--samples-per-task", "2",
                "--length", "200", "--max-new-tokens", "3", "--threads", "2", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(14, LayerProfile.load(out).layers());
        assertTrue(Files.size(dir.resolve("tiny.layers.png")) > 1000);
        String text = Files.readString(out);
        for (String task : new String[]{"needle_qa", "multikey", "passkey", "continuation", "\"seed\"", "\"head_profile\" : \"h.json\""}) {
            assertTrue(text.contains(task), task + " in " + text);
        }
        assertTrue(r.err().contains("profile layers") && r.err().contains("ETA") && r.err().contains("avg_score:")
                && r.err().contains("error-aware budgets at B=128: ["), r.err());
        assertTrue(text.contains("\"error_aware_budgets\"") && text.contains("\"split_half_budget_gap\""), text);
        assertTrue(r.err().contains("split-half check: the two halves of the prompts give budgets at B=128 that differ by at most "), r.err());
    }

    @Test
    void missingHeadProfileNamesTheCommandThatMakesIt() {
        CliTest.Run r = run("--model", "models/compresskv-tiny.gguf", "--head-profile", dir.resolve("none.json").toString());
        assertTrue(r.code() != 0);
        assertTrue(r.err().contains("compresskv profile heads"), r.err());
    }

    @Test
    void tooShortLengthSaysWhatTheFactsNeed() throws IOException {
        Path heads = dir.resolve("h.json");
        Files.writeString(heads, "{\"ranking\": [[0],[0],[0],[0],[0],[0],[0],[0],[0],[0]]}");
        CliTest.Run r = run("--model", "models/compresskv-tiny.gguf", "--head-profile", heads.toString(), "--length", "64");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--length 64 is too short"), r.err());
    }
}
