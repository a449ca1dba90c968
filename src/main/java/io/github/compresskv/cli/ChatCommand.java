package io.github.compresskv.cli;

import io.github.compresskv.generate.GenerationResult;
import io.github.compresskv.generate.Session;
import io.github.compresskv.generate.StopConditions;
import io.github.compresskv.generate.TokenDecoder;
import io.github.compresskv.model.ContextLengthException;
import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code compresskv chat}: an interactive conversation through the model's chat template. Each turn renders
 * the whole conversation, and only the tokens past what the cache already holds are run (the KV cache is
 * reused across turns when the template renders earlier turns unchanged).
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat interactively with a model, using its own chat template.",
                "Type a message and press Enter; /reset starts over, /exit (or end of input) quits."})
final class ChatCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message for the conversation.")
    String system;

    @Override
    public Integer call() throws IOException {
        var samplerConfig = sampling.samplerConfig();
        PrintStream out = System.out;
        StdoutText reply = new StdoutText(out);
        PrintStream err = System.err;
        try (LoadedModel lm = LoadedModel.open(modelOptions, err)) {
            if (lm.tokenizer().chatTemplate().isEmpty()) err.println("model has no chat template: using a plain User/Assistant layout");
            Conversation conv = new Conversation(lm);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.isBlank()) continue;
                if (line.strip().equals("/reset")) {
                    conv = new Conversation(lm);
                    err.println("(conversation reset)");
                    continue;
                }
                try {
                    GenerationResult r = conv.reply(line, samplerConfig, reply);
                    reply.endLine();
                    err.println(GenerateCommand.report(r, conv.session, samplerConfig.isGreedy() ? "greedy" : "seed " + samplerConfig.seed()));
                } catch (ContextLengthException e) {
                    reply.endLine();
                    err.println("compresskv: " + e.getMessage() + " — type /reset to start a new conversation");
                }
            }
        }
        return 0;
    }

    /** Messages so far, the session that has consumed them, and the tokens it holds. */
    private final class Conversation {
        final LoadedModel lm;
        final List<ChatTemplate.Message> messages = new ArrayList<>();
        final StopConditions stop;
        Session session;
        int[] consumed = new int[0];

        Conversation(LoadedModel lm) {
            this.lm = lm;
            if (system != null) messages.add(new ChatTemplate.Message("system", system));
            session = new Session(lm.model(), modelOptions.kvType);
            List<String> stops = new ArrayList<>(sampling.stop);
            // without a template of its own, a model continues the plain layout with the next "User:" turn
            if (lm.tokenizer().chatTemplate().isEmpty()) stops.add("\nUser:");
            stop = new StopConditions(sampling.maxTokens, lm.tokenizer().endOfGenerationIds(), stops);
        }

        GenerationResult reply(String userText, io.github.compresskv.generate.SamplerConfig cfg, StdoutText text) {
            messages.add(new ChatTemplate.Message("user", userText));
            int[] tokens = PromptTokens.chat(lm.tokenizer(), messages);
            int[] fresh;
            if (consumed.length > 0 && tokens.length > consumed.length
                    && Arrays.equals(tokens, 0, consumed.length, consumed, 0, consumed.length)) {
                fresh = Arrays.copyOfRange(tokens, consumed.length, tokens.length);
            } else {
                session = new Session(lm.model(), modelOptions.kvType);
                fresh = tokens;
            }
            GenerationResult r = session.generate(fresh, cfg, stop, TokenDecoder.of(lm.tokenizer()), text);
            messages.add(new ChatTemplate.Message("assistant", r.text()));
            int[] all = Arrays.copyOf(tokens, tokens.length + r.tokenIds().length);
            System.arraycopy(r.tokenIds(), 0, all, tokens.length, r.tokenIds().length);
            consumed = all;
            return r;
        }
    }
}
