package io.github.compresskv.cli;

import io.github.compresskv.format.TinyHfModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the commands in-process on a tiny random model with a real trained tokenizer. */
class CliTest {

    @TempDir
    static Path dir;
    static Path model;

    /** Exit code, stdout and stderr of one command. */
    record Run(int code, String out, String err) {}

    @BeforeAll
    static void makeModel() throws IOException {
        model = tinyChatModel(dir);
    }

    /** A tiny random Llama (GQA 8/2, context 256) with the llama-3 tokenizer, written under {@code dir}. */
    static Path tinyChatModel(Path dir) throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.hidden = 64;
        m.heads = 8;
        m.kvHeads = 2;
        m.ffn = 128;
        m.vocab = 2006;
        m.contextLength = 256;
        Path folder = m.write(dir.resolve("hf"), 1);
        Path tok = Path.of("src/test/resources/io/github/compresskv/tokenizer/bpe_llama3");
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(tok.resolve(f), folder.resolve(f));
        }
        return folder;
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        StringWriter picoErr = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(picoErr, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + picoErr);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Picocli's @argument-files are off: an unreadable "@." was a stack trace with exit code 1. */
    @Test
    void argumentStartingWithAtIsLiteral() {
        Run r = run("@.");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("compresskv: ") && r.err().contains("'@.'"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : List.of("generate", "chat", "info", "tokenize", "convert", "bench")) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: compresskv " + cmd), r.out());
        }
    }

    @Test
    void infoDescribesTheModel() {
        Run r = run("info", "--model", model.toString(), "--tensors");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("architecture:   LLAMA") || r.out().contains("architecture:   llama"), r.out());
        assertTrue(r.out().contains("8 query heads, 2 KV heads (group 4)"), r.out());
        assertTrue(r.out().contains("context length: 256"), r.out());
        assertTrue(r.out().contains("byte-level BPE"), r.out());
        assertTrue(r.out().contains("blk.1.ffn_down.weight"), r.out());
    }

    @Test
    void tokenizePrintsIdsAndPieces() {
        Run r = run("tokenize", "--model", model.toString(), "--text", "Hello world", "--ids-only");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("2000 "), "BOS first: " + r.out());
        Run pieces = run("tokenize", "--model", model.toString(), "--text", "Hello world", "--no-bos");
        assertTrue(pieces.out().contains("'Hello'") || pieces.out().contains("'H"), pieces.out());
    }

    @Test
    void generatePrintsOnlyTextOnStdoutAndIsDeterministicWhenGreedy() {
        Run a = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "12");
        Run b = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "12", "--kv-type", "f16");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertFalse(a.out().isBlank());
        assertFalse(a.out().contains("tok/s"), "timings must go to stderr");
        assertTrue(a.err().contains("tok/s"), a.err());
        assertTrue(a.err().contains("KV cache"), a.err());
        Run c = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "12");
        assertEquals(a.out(), c.out());
        Run sampled = run("generate", "--model", model.toString(), "--prompt", "Once", "--max-tokens", "8",
                "--temperature", "0.9", "--top-k", "40", "--top-p", "0.95", "--min-p", "0.01", "--seed", "7");
        Run again = run("generate", "--model", model.toString(), "--prompt", "Once", "--max-tokens", "8",
                "--temperature", "0.9", "--top-k", "40", "--top-p", "0.95", "--min-p", "0.01", "--seed", "7");
        assertEquals(sampled.out(), again.out(), "same seed, same text");
    }

    @Test
    void generateWithChatTemplateAndPromptFile() throws IOException {
        Path f = dir.resolve("prompt.txt");
        Files.writeString(f, "What is the capital of France?");
        Run r = run("generate", "--model", model.toString(), "--prompt-file", f.toString(), "--chat", "--system", "Be brief.",
                "--max-tokens", "5");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void chatKeepsTheCacheAcrossTurns() {
        java.io.InputStream oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Hello\nHow are you?\n/reset\nAgain\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            Run r = run("chat", "--model", model.toString(), "--max-tokens", "3", "--system", "Be brief.");
            assertEquals(0, r.code(), r.err());
            java.util.List<Integer> promptTokens = new java.util.ArrayList<>();
            var m = java.util.regex.Pattern.compile("prompt (\\d+) tokens").matcher(r.err());
            while (m.find()) promptTokens.add(Integer.parseInt(m.group(1)));
            assertEquals(3, promptTokens.size(), r.err());
            // the second turn runs only its new tokens, not the whole conversation again
            assertTrue(promptTokens.get(1) < promptTokens.get(0) + 8, "second turn re-ran the conversation: " + promptTokens);
            assertTrue(r.err().contains("(conversation reset)"), r.err());
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void convertThenGenerateFromGguf() {
        Path out = dir.resolve("tiny-q8_0.gguf");
        Run conv = run("convert", "--input", model.toString(), "--output", out.toString(), "--type", "q8_0");
        assertEquals(0, conv.code(), conv.err());
        assertTrue(Files.exists(out));
        Run info = run("info", "--model", out.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("Q8_0"), info.out());
        Run gen = run("generate", "--model", out.toString(), "--prompt", "Once upon a time", "--max-tokens", "4");
        assertEquals(0, gen.code(), gen.err());
        Run exists = run("convert", "--input", model.toString(), "--output", out.toString(), "--type", "q8_0");
        assertEquals(1, exists.code());
        assertTrue(exists.err().contains("--force"), exists.err());
    }

    @Test
    void userErrorsAreOneLineWithoutStackTrace() throws IOException {
        Run missing = run("info", "--model", dir.resolve("nope.gguf").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());
        assertFalse(missing.err().contains("\tat "), missing.err());

        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'F', 3, 0});
        Run truncated = run("generate", "--model", bad.toString(), "--prompt", "x");
        assertEquals(1, truncated.code());
        assertTrue(truncated.err().contains("bad.gguf"), truncated.err());
        assertFalse(truncated.err().contains("\tat "), truncated.err());

        Run badType = run("convert", "--input", model.toString(), "--output", dir.resolve("x.gguf").toString(), "--type", "q3_x");
        assertEquals(1, badType.code());
        assertTrue(badType.err().contains("q8_0"), "lists valid types: " + badType.err());

        Run badFlag = run("generate", "--model", model.toString(), "--promt", "x");
        assertEquals(2, badFlag.code());
        assertTrue(badFlag.err().contains("--promt"), badFlag.err());

        Run tooLong = run("generate", "--model", model.toString(), "--prompt", "word ".repeat(400), "--max-tokens", "2");
        assertEquals(1, tooLong.code());
        assertTrue(tooLong.err().toLowerCase().contains("context"), tooLong.err());
        assertFalse(tooLong.err().contains("\tat "), tooLong.err());
    }

    @Test
    void generateCompressesTheCacheAndReportsSizes() {
        String prompt = "The quick brown fox jumps over the lazy dog. ".repeat(12);
        Run full = run("generate", "--model", model.toString(), "--prompt", prompt, "--max-tokens", "4");
        Run big = run("generate", "--model", model.toString(), "--prompt", prompt, "--max-tokens", "4",
                "--method", "snapkv", "--budget", "1000");
        assertEquals(0, big.code(), big.err());
        assertEquals(full.out(), big.out(), "a budget above the prompt length changes nothing");
        Run small = run("generate", "--model", model.toString(), "--prompt", prompt, "--max-tokens", "4",
                "--method", "pyramidkv", "--budget", "16", "--streaming");
        assertEquals(0, small.code(), small.err());
        assertTrue(small.err().contains("pyramidkv: KV cache"), small.err());
        assertTrue(small.err().contains("peak"), small.err());
        Run agnostic = run("generate", "--model", model.toString(), "--prompt", prompt, "--max-tokens", "3",
                "--method", "snapkv", "--ratio", "0.5", "--question-agnostic", "--question", " Who?", "--question", " Why?");
        assertEquals(0, agnostic.code(), agnostic.err());
        assertEquals(2, agnostic.err().split("generated ").length - 1, agnostic.err());
    }

    @Test
    void decodeBudgetKeepsTheCacheBoundedWhileGenerating() {
        Run r = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "40",
                "--method", "snapkv", "--decode-budget", "16", "--decode-interval", "4");
        assertEquals(0, r.code(), r.err());
        var m = java.util.regex.Pattern.compile("KV cache: ([0-9.]+) KiB for (\\d+) positions").matcher(r.err());
        assertTrue(m.find(), r.err());
        int positions = Integer.parseInt(m.group(2));
        double kib = Double.parseDouble(m.group(1));
        // 2 layers x 2 KV heads x 8 dims x 2 (K and V) x 4 bytes = 256 bytes per row; at most 16 + 4 rows per head
        assertTrue(positions > 40, r.err());
        assertTrue(kib * 1024 <= (16 + 4) * 256 + 1e-9, "cache of " + kib + " KiB is not bounded: " + r.err());
    }

    @Test
    void compressionFlagErrorsNameTheFlag() {
        Run both = run("generate", "--model", model.toString(), "--prompt", "x", "--method", "snapkv", "--budget", "8", "--ratio", "0.5");
        assertEquals(1, both.code());
        assertTrue(both.err().contains("--ratio"), both.err());
        Run none = run("generate", "--model", model.toString(), "--prompt", "x", "--method", "snapkv");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("--budget"), none.err());
        Run unknown = run("generate", "--model", model.toString(), "--prompt", "x", "--method", "snapkvv", "--budget", "8");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("compresskv") && unknown.err().contains("snapkv"), "lists valid methods: " + unknown.err());
        Run noProfile = run("generate", "--model", model.toString(), "--prompt", "x", "--method", "compresskv", "--budget", "8");
        assertEquals(1, noProfile.code());
        assertTrue(noProfile.err().contains("--head-profile") && noProfile.err().contains("profile heads"), noProfile.err());
        assertFalse(noProfile.err().contains("\tat "), noProfile.err());
    }

    @Test
    void benchReportsBandwidthNextToStreamingRead() {
        Run r = run("bench", "--model", model.toString(), "--prompt-tokens", "32", "--gen-tokens", "8", "--probe-mib", "64");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("streaming read"), r.out());
        assertTrue(r.out().contains("decode / streaming read"), r.out());
    }

    @Test
    void badUnitFlagsAreUsageErrorsNamingTheFlag() {
        String m = model.toString();
        String[][] cases = {
                {"--unit", "paragraph", "--method", "snapkv", "--budget", "32"},
                {"--unit", "chunk", "--chunk-size", "0", "--method", "snapkv", "--budget", "32"},
                {"--unit", "chunk", "--chunk-size", "40", "--method", "snapkv", "--budget", "32"},
                {"--unit", "sentence", "--method", "streamingllm", "--budget", "32"},
                {"--unit", "sentence", "--method", "random", "--budget", "32"},
                {"--unit", "sentence", "--sentence-cap", "-1", "--method", "snapkv", "--budget", "32"},
                {"--unit", "sentence", "--unit-score", "max", "--method", "snapkv", "--budget", "32"},
                {"--sink-tokens", "-1", "--method", "snapkv", "--budget", "32"},
                {"--sink-tokens", "4", "--method", "streamingllm", "--budget", "32"},
        };
        String[] flags = {"--unit", "--chunk-size", "--chunk-size", "--unit", "--unit", "--sentence-cap", "--unit-score", "--sink-tokens", "--sink-tokens"};
        for (int i = 0; i < cases.length; i++) {
            java.util.List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", m, "--prompt", "Hello there. Bye.", "-n", "2"));
            args.addAll(List.of(cases[i]));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("compresskv: ") && first.contains(flags[i]), r.err());
            assertEquals("", r.out(), "nothing generated");
            assertFalse(r.err().contains("loaded "), "the model is not even loaded: " + r.err());
        }
        Run e = run("eval", "niah", "--model", m, "--methods", "full,streamingllm", "--units", "token,sentence", "--budgets", "32");
        assertEquals(2, e.code(), e.err());
        assertTrue(e.err().startsWith("compresskv: --units"), e.err());
        Run c = run("eval", "niah", "--model", m, "--methods", "snapkv", "--units", "chunk", "--chunk-size", "64", "--budgets", "32");
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().startsWith("compresskv: --chunk-size 64"), c.err());
        Run s = run("eval", "niah", "--model", m, "--methods", "snapkv", "--sink-tokens", "-2", "--budgets", "32");
        assertEquals(2, s.code(), s.err());
        assertTrue(s.err().startsWith("compresskv: --sink-tokens"), s.err());
    }

    @Test
    void generateWithSentenceAndChunkUnits() {
        for (String unit : new String[]{"sentence", "chunk"}) {
            Run r = run("generate", "--model", model.toString(), "--prompt", "The rain fell. The river rose. The town slept. ".repeat(6),
                    "-n", "3", "--method", "snapkv", "--budget", "16", "--unit", unit, "--chunk-size", "4");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("snapkv (" + (unit.equals("chunk") ? "chunk4" : "sentence") + " units)"), r.err());
        }
        Run s = run("generate", "--model", model.toString(), "--prompt", "The rain fell. The river rose. The town slept. ".repeat(6),
                "-n", "3", "--method", "snapkv", "--budget", "16", "--unit", "sentence", "--sink-tokens", "4");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("snapkv (sentence units, 4 sink tokens)"), s.err());
    }
}
