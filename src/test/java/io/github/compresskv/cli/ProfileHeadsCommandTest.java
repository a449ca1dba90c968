package io.github.compresskv.cli;

import io.github.compresskv.compress.HeadProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compresskv profile heads} end to end on the embedded model with a one-cell grid. */
class ProfileHeadsCommandTest {

    @Test
    void writesProfileAuthorsFormatAndHeatMaps(@TempDir Path dir) throws IOException {
        Path needles = dir.resolve("needles.json");
        Files.writeString(needles, """
                [{"needle": "\\nThe best thing to do in Lisbon is ride the old yellow tram.\\n",
                  "question": "What is the best thing to do in Lisbon?", "real_needle": "ride the old yellow tram"}]
                """);
        Path out = dir.resolve("p.json");
        CliTest.Run r = CliTest.run("profile", "heads", "--model", "models/compresskv-tiny.gguf", "--lengths", "256",
                "--depths", "100", "--max-new-tokens", "8", "--needles", needles.toString(), "--out", out.toString(),
                "--authors-format", dir.resolve("authors.json").toString(), "--plot", dir.resolve("heads.png").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(14, HeadProfile.load(out).layers());
        assertEquals(14, HeadProfile.load(dir.resolve("authors.json")).layers());
        assertTrue(Files.size(dir.resolve("heads.png")) > 1000);
        assertTrue(Files.size(dir.resolve("heads-classic.png")) > 1000);
        assertTrue(r.out().contains("layer 9: SRH top"), r.out());
        assertTrue(r.err().contains("profile heads ["), "progress on stderr: " + r.err());
    }

    @Test
    void badNeedlesFileIsNamed(@TempDir Path dir) throws IOException {
        Path needles = dir.resolve("bad.json");
        Files.writeString(needles, "[{\"question\": \"q\"}]");
        CliTest.Run r = CliTest.run("profile", "heads", "--model", "models/compresskv-tiny.gguf", "--needles", needles.toString(),
                "--out", dir.resolve("p.json").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(needles.toString()) && r.err().contains("\"sentence\""), r.err());
    }

    @Test
    void tooShortLengthIsRefusedBeforeAnyTrial(@TempDir Path dir) {
        CliTest.Run r = CliTest.run("profile", "heads", "--model", "models/compresskv-tiny.gguf", "--lengths", "210",
                "--out", dir.resolve("p.json").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--lengths: 210 tokens leave no haystack"), r.err());
    }

    @Test
    void defaultOutputSitsBesideTheModelWhereGenerateLooks() {
        assertEquals(Path.of("models/compresskv-tiny.heads.json"), ProfileHeadsCommand.defaultOutput(Path.of("models/compresskv-tiny.gguf")));
        assertEquals(0, CliTest.run("profile", "heads", "--help").code());
        CliTest.Run help = CliTest.run("profile", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("heads") && help.out().contains("layers"), help.out());
        CliTest.Run bare = CliTest.run("profile");
        assertEquals(2, bare.code(), "a missing subcommand is a usage error: " + bare.err());
        assertTrue(bare.err().contains("subcommand"), bare.err());
    }
}
