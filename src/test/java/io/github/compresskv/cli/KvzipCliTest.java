package io.github.compresskv.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --method kvzip} on the command line: question-agnostic generation, and one-line refusals (exit 2) where it cannot run. */
class KvzipCliTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void makeModel() throws IOException {
        model = CliTest.tinyChatModel(dir);
    }

    static final String PROMPT = "The quick brown fox jumps over the lazy dog. ".repeat(8);

    @Test
    void kvzipCompressesTheContextThenAnswersEachQuestion() {
        CliTest.Run r = CliTest.run("generate", "--model", model.toString(), "--prompt", PROMPT, "--max-tokens", "3",
                "--method", "kvzip", "--budget", "16", "--question-agnostic", "--question", " Who?", "--question", " Why?");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("reconstruction pass"), r.err());
        assertTrue(r.err().contains("kvzip: KV cache"), r.err());
        assertEquals(2, r.err().split("generated ").length - 1, r.err());
    }

    /** A refusal: exit 2, the flag named, no stack trace, nothing generated. */
    static void refused(CliTest.Run r, String flag) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(flag), r.err());
        assertTrue(r.err().lines().findFirst().orElse("").contains(flag), "the first line names " + flag + ": " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void kvzipOutsideQuestionAgnosticCompressionIsABadFlag() {
        refused(CliTest.run("generate", "--model", model.toString(), "--prompt", PROMPT, "--method", "kvzip", "--budget", "16"),
                "--question-agnostic");
        refused(CliTest.run("generate", "--model", model.toString(), "--prompt", PROMPT, "--method", "kvzip", "--budget", "16",
                "--question-agnostic", "--question", " Who?", "--streaming"), "--streaming");
        refused(CliTest.run("generate", "--model", model.toString(), "--prompt", PROMPT, "--method", "kvzip", "--decode-budget", "16",
                "--question-agnostic", "--question", " Who?"), "--decode-budget");
        refused(CliTest.run("eval", "niah", "--model", model.toString(), "--methods", "full,kvzip", "--out", dir.resolve("e1").toString()),
                "--question-agnostic");
        refused(CliTest.run("eval", "ruler", "--model", model.toString(), "--question-agnostic", "--out", dir.resolve("e2").toString()),
                "--question-agnostic");
        refused(CliTest.run("bench", "--model", model.toString(), "--contexts", "64", "--methods", "full,kvzip", "--budgets", "16",
                "--out", dir.resolve("b1").toString()), "--methods");
        assertFalse(Files.exists(dir.resolve("e1")) || Files.exists(dir.resolve("b1")), "nothing is run");
    }
}
