package io.github.compresskv.tokenizer;

import java.util.List;

/**
 * The one rule that turns user text into prompt tokens, for every command and the Java API: raw text gets BOS when
 * the model adds one by default, chat messages go through the model's own template (or the plain fallback).
 * Special-token strings written in the text are recognised in both.
 */
public final class PromptTokens {
    private PromptTokens() {}

    /** The template a chat uses: the model's own, or the plain fallback when it has none. */
    public static ChatTemplate templateOf(Tokenizer tokenizer) {
        return tokenizer.chatTemplate().orElseGet(ChatTemplate::plainFallback);
    }

    /** Tokens of raw text that starts a sequence: BOS when the model adds one by default. */
    public static int[] raw(Tokenizer tokenizer, String text) {
        return tokenizer.encode(text, tokenizer.addBosByDefault(), true);
    }

    /** Tokens of text that continues a sequence (a question after its context): never a BOS. */
    public static int[] continuation(Tokenizer tokenizer, String text) {
        return tokenizer.encode(text, false, true);
    }

    /**
     * Tokens of a rendered chat ending with the assistant's turn opened. A model's own template already holds the
     * BOS text when the model wants it (as with Hugging Face's apply_chat_template), so BOS is added only for the
     * plain fallback.
     */
    public static int[] chat(Tokenizer tokenizer, List<ChatTemplate.Message> messages) {
        boolean own = tokenizer.chatTemplate().isPresent();
        String rendered = templateOf(tokenizer).render(messages, true);
        return tokenizer.encode(rendered, !own && tokenizer.addBosByDefault(), true);
    }
}
