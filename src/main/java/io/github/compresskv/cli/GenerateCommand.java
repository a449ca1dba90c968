package io.github.compresskv.cli;

import io.github.compresskv.compress.CompressedPrefill;
import io.github.compresskv.compress.CompressionMethods;
import io.github.compresskv.compress.DecodeTimeCompressor;
import io.github.compresskv.compress.ReconstructionScorer;
import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import io.github.compresskv.tokenizer.Tokenizer;
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
        reconstructionFlags();
        String text = promptText();
        var samplerConfig = sampling.samplerConfig();
        PrintStream err = System.err;
        try (LoadedModel lm = LoadedModel.open(modelOptions, err)) {
            Tokenizer tokenizer = lm.tokenizer();
            int[] tokens;
            if (chat) {
                List<ChatTemplate.Message> messages = new ArrayList<>();
                if (system != null) messages.add(new ChatTemplate.Message("system", system));
                messages.add(new ChatTemplate.Message("user", text));
                tokens = PromptTokens.chat(tokenizer, messages);
            } else {
                if (system != null) throw new IllegalArgumentException("--system needs --chat");
                tokens = PromptTokens.raw(tokenizer, text);
            }
            StopConditions stop = new StopConditions(sampling.maxTokens, tokenizer.endOfGenerationIds(), sampling.stop);
            if (questionAgnostic && questions.isEmpty()) throw new IllegalArgumentException("--question-agnostic needs at least one --question");
            if (!questionAgnostic && !questions.isEmpty()) throw new IllegalArgumentException("--question needs --question-agnostic");
            Session session = new Session(lm.model(), modelOptions.kvType);
            DecodeTimeCompressor decodeCompressor = compression.decodeCompressor(lm.model().config(), modelOptions.model, tokenizer);
            if (decodeCompressor != null) session.decodeObserver(decodeCompressor);
            StdoutText stdout = new StdoutText(System.out);
            String note = samplerConfig.isGreedy() ? "greedy" : "seed " + samplerConfig.seed();
            // prefill (exact), compress when asked, then generate over the (small) cache
            CompressedPrefill p = CompressedPrefill.run(session, tokens, compression.spec(modelOptions.model), tokenizer);
            double prefillMs = p.prefillNanos() / 1e6;
            if (p.report() != null) err.println(compressionLine(tokens.length, p));
            if (!questionAgnostic) {
                GenerationResult r = session.generate(samplerConfig, stop, TokenDecoder.of(tokenizer), stdout);
                stdout.endLine();
                err.println(report(withPrefill(r, tokens.length, prefillMs), session, note));
                return 0;
            }
            for (String q : questions) {
                Session fork = session.fork();
                GenerationResult r = fork.generate(PromptTokens.continuation(tokenizer, q), samplerConfig, stop, TokenDecoder.of(tokenizer), stdout);
                stdout.endLine();
                err.println(report(r, fork, note));
            }
        }
        return 0;
    }

    /** The stderr line of a compressed prefill: its phases' times and the compression's summary. */
    private static String compressionLine(int tokens, CompressedPrefill p) {
        double prefillMs = p.prefillNanos() / 1e6, evictionMs = p.evictionNanos() / 1e6;
        ReconstructionScorer s = p.reconstruction();
        if (s == null) {
            // scoring runs inside the prefill (per layer); the eviction finishes what is still pending
            return String.format(Locale.ROOT, "prefill %d tokens in %.1f ms, final eviction %.1f ms | %s", tokens, prefillMs, evictionMs, p.report().summary());
        }
        double passMs = s.nanos() / 1e6;
        return String.format(Locale.ROOT, "prefill %d tokens in %.1f ms | reconstruction pass %d tokens (%d chunk%s) in %.1f ms"
                        + " (%.2f x the prefill; scoring %.1f ms of it) | eviction %.1f ms | %s", tokens, prefillMs, s.passTokens(),
                s.chunks(), s.chunks() == 1 ? "" : "s", passMs, passMs / prefillMs, s.scoringNanos() / 1e6, evictionMs, p.report().summary());
    }

    /**
     * Refuses the flags a method that scores by reconstructing the context cannot run with: it needs
     * the whole context before any question (--question-agnostic), and scores no prefill (--streaming) and no
     * decode steps (--decode-budget).
     */
    private void reconstructionFlags() {
        if (!CompressionMethods.byName(compression.method).reconstructs()) return;
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
