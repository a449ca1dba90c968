package io.github.compresskv.cli;

import io.github.compresskv.tokenizer.ChatTemplate;
import io.github.compresskv.tokenizer.PromptTokens;
import io.github.compresskv.tokenizer.Tokenizer;

import java.util.List;

/** The CLI's names for {@link PromptTokens}' rule (raw text or the model's chat template). */
final class PromptBuilder {
    private PromptBuilder() {}

    static ChatTemplate templateOf(Tokenizer tokenizer) { return PromptTokens.templateOf(tokenizer); }

    static int[] raw(Tokenizer tokenizer, String text) { return PromptTokens.raw(tokenizer, text); }

    static int[] chat(Tokenizer tokenizer, List<ChatTemplate.Message> messages) { return PromptTokens.chat(tokenizer, messages); }
}
