package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.CompressionReport;
import io.github.compresskv.compress.ContextReconstruction;
import io.github.compresskv.compress.DecodeTimeCompressor;
import io.github.compresskv.compress.KvCompressor;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.tokenizer.ChatTemplate;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code compresskv generate}: one prompt in, the generated text out on stdout; timings on stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate a continuation of a prompt.",
                "Only the generated text goes to stdout; timings and memory go to stderr."})
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressionFlags compression;

    @Option(names = "--question", paramLabel = "TEXT",
            description = "With --question-agnostic: a question asked after the prompt (the context) was compressed; repeatable.")
    List<String> questions = new ArrayList<>();

    @Option(names = "--question-agnostic",
            description = "Compress the prompt (a context) before any question is known, then answer each --question from a fork of the compressed cache.")
    boolean questionAgnostic;

    static final class PromptSource {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt text.")
        String text;

        @Option(names = {"-f", "--prompt-file"}, paramLabel = "FILE", description = "Read the prompt from a UTF-8 file.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message in the model's chat template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message (with --chat).")
    String system;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        compression.selectionUnit(); // bad unit flags are usage errors, found before the model is loaded
        boolean reconstructs = reconstructionFlags();
        String text = promptText();
        var samplerConfig = sampling.samplerConfig();
        PrintStream err = System.err;
        try (LoadedModel lm = LoadedModel.open(modelOptions, err)) {
            int[] tokens;
            if (chat) {
                List<ChatTemplate.Message> messages = new ArrayList<>();
                if (system != null) messages.add(new ChatTemplate.Message("system", system));
                messages.add(new ChatTemplate.Message("user", text));
                tokens = PromptBuilder.chat(lm.tokenizer(), messages);
            } else {
                if (system != null) throw new IllegalArgumentException("--system needs --chat");
                tokens = PromptBuilder.raw(lm.tokenizer(), text);
            }
            StopConditions stop = new StopConditions(sampling.maxTokens, lm.tokenizer().endOfGenerationIds(), sampling.stop);
            if (questionAgnostic && questions.isEmpty()) throw new IllegalArgumentException("--question-agnostic needs at least one --question");
            if (!questionAgnostic && !questions.isEmpty()) throw new IllegalArgumentException("--question needs --question-agnostic");
            Session session = new Session(lm.model(), modelOptions.kvType);
            DecodeTimeCompressor decodeCompressor = compression.decodeCompressor(lm.model().config(), modelOptions.model, lm.tokenizer());
            if (decodeCompressor != null) session.decodeObserver(decodeCompressor);
            StdoutText stdout = new StdoutText(System.out);
            String note = samplerConfig.isGreedy() ? "greedy" : "seed " + samplerConfig.seed();
            // prefill (exact), compress when asked, then generate over the (small) cache
            long t0 = System.nanoTime();
            double prefillMs;
            if (reconstructs && compression.compresses()) {
                // KVzip: the whole context first (exact), then its reconstruction pass scores it, then the eviction
                session.prefill(tokens);
                long t1 = System.nanoTime();
                prefillMs = (t1 - t0) / 1e6;
                ReconstructionScorer scores = new ContextReconstruction(lm.model(), lm.tokenizer()).score(session.cache(), tokens);
                long t2 = System.nanoTime();
                CompressionReport cr = scores.compress(compression.compressor(lm.model().config(), modelOptions.model, scores, lm.tokenizer(), tokens), session.cache());
                long t3 = System.nanoTime();
                err.printf(Locale.ROOT, "prefill %d tokens in %.1f ms | reconstruction pass %d tokens (%d chunk%s) in %.1f ms"
                                + " (%.2f x the prefill; scoring %.1f ms of it) | eviction %.1f ms | %s%n", tokens.length, prefillMs, scores.passTokens(),
                        scores.chunks(), scores.chunks() == 1 ? "" : "s", (t2 - t1) / 1e6, (t2 - t1) / 1e6 / prefillMs, scores.scoringNanos() / 1e6, (t3 - t2) / 1e6, cr.summary());
            } else if (compression.compresses()) {
                KvCompressor compressor = compression.compressor(lm.model().config(), modelOptions.model, lm.tokenizer(), tokens);
                session.prefill(tokens, compressor);
                long t1 = System.nanoTime();
                prefillMs = (t1 - t0) / 1e6;
                CompressionReport cr = compressor.finish(session.cache());
                long t2 = System.nanoTime();
                // scoring runs inside the prefill (per layer); finish evicts what is still pending
                err.printf(Locale.ROOT, "prefill %d tokens in %.1f ms, final eviction %.1f ms | %s%n", tokens.length,
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, cr.summary());
            } else {
                session.prefill(tokens);
                prefillMs = (System.nanoTime() - t0) / 1e6;
            }
            if (!questionAgnostic) {
                GenerationResult r = session.generate(samplerConfig, stop, TokenDecoder.of(lm.tokenizer()), stdout);
                stdout.endLine();
                err.println(report(withPrefill(r, tokens.length, prefillMs), session, note));
                return 0;
            }
            for (String q : questions) {
                Session fork = session.fork();
                int[] qTokens = lm.tokenizer().encode(q, false, true);
                GenerationResult r = fork.generate(qTokens, samplerConfig, stop, TokenDecoder.of(lm.tokenizer()), stdout);
                stdout.endLine();
                err.println(report(r, fork, note));
            }
        }
        return 0;
    }

    /**
     * Whether --method scores by reconstructing the context (kvzip), refusing the flags it cannot run with: it needs
     * the whole context before any question (--question-agnostic), and scores no prefill (--streaming) and no
     * decode steps (--decode-budget).
     */
    private boolean reconstructionFlags() {
        if (!CompressionMethods.byName(compression.method).reconstructs()) return false;
        String m = "--method " + compression.method;
        if (!questionAgnostic) {
            throw new ParameterException(spec.commandLine(), m + " needs --question-agnostic: it compresses a context before any"
                    + " question is known (ask with --question)");
        }
        if (compression.streaming) {
            throw new ParameterException(spec.commandLine(), "--streaming does not apply to " + m + ": its scores need the whole context first");
        }
        if (compression.decodeBudget != null) {
            throw new ParameterException(spec.commandLine(), "--decode-budget does not apply to " + m + ": it scores a context, not decode steps");
        }
        return true;
    }

    private String promptText() throws IOException {
        if (prompt.file == null) return prompt.text;
        if (!Files.isRegularFile(prompt.file)) throw new IllegalArgumentException("--prompt-file: " + prompt.file + " is not a file");
        return Files.readString(prompt.file, StandardCharsets.UTF_8);
    }

    /** The result of a generation that followed a separate prefill, with that prefill's figures. */
    private static GenerationResult withPrefill(GenerationResult r, int promptTokens, double prefillMs) {
        return new GenerationResult(r.text(), r.tokenIds(), promptTokens, r.generatedTokens(), prefillMs, r.decodeMs(), r.stopReason());
    }

    static String report(GenerationResult r, Session session, String samplingNote) {
        return String.format(Locale.ROOT,
                "prompt %d tokens, %.1f ms (%.1f tok/s) | generated %d tokens, %.1f ms (%.2f tok/s) | stop: %s | %s%n"
                        + "KV cache: %s for %d positions (%s storage, %s per token) | heap used %s",
                r.promptTokens(), r.prefillMs(), r.prefillTokensPerSecond(), r.generatedTokens(), r.decodeMs(),
                r.decodeTokensPerSecond(), r.stopReason(), samplingNote, Units.bytes(session.cache().bytes()),
                session.position(), session.cache().storage(), KvTypes.perToken(session.model().config(), session.cache().storage()),
                Units.bytes(usedHeap()));
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
