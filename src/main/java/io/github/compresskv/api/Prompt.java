package io.github.compresskv.api;

import java.util.Arrays;
import java.util.List;

/**
 * Input for a {@link Context}: plain text, chat messages rendered with the model's own template (a plain
 * "User: … Assistant:" layout for models without one), or token ids. Turned into tokens by
 * {@link LanguageModel#tokenize(Prompt)}: at the start of a context plain text gets the model's BOS token when the
 * model adds one by default; text that continues a context never does. Special-token strings written in the text
 * (such as {@code <|im_end|>}) are recognised.
 */
public final class Prompt {
    private final String text;
    private final List<ChatMessage> messages;
    private final int[] tokens;

    private Prompt(String text, List<ChatMessage> messages, int[] tokens) {
        this.text = text;
        this.messages = messages;
        this.tokens = tokens;
    }

    /** Plain text, used as it is. */
    public static Prompt text(String text) {
        if (text == null) throw new IllegalArgumentException("prompt text is null");
        return new Prompt(text, null, null);
    }

    /** Chat messages, rendered with the model's chat template and ending with the assistant's turn opened. */
    public static Prompt chat(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) throw new IllegalArgumentException("a chat prompt needs at least one message");
        return new Prompt(null, List.copyOf(messages), null);
    }

    /** Chat messages, rendered with the model's chat template and ending with the assistant's turn opened. */
    public static Prompt chat(ChatMessage... messages) { return chat(Arrays.asList(messages)); }

    /** Token ids of the model's vocabulary, used as they are (e.g. from {@link LanguageModel#tokenize}). */
    public static Prompt tokens(int... ids) {
        if (ids == null || ids.length == 0) throw new IllegalArgumentException("a token prompt needs at least one token");
        return new Prompt(null, null, ids.clone());
    }

    /** The plain text, or null for chat and token prompts. */
    public String text() { return text; }

    /** The chat messages, or an empty list for other prompts. */
    public List<ChatMessage> messages() { return messages == null ? List.of() : messages; }

    boolean isChat() { return messages != null; }

    int[] tokenIds() { return tokens == null ? null : tokens.clone(); }

    @Override
    public String toString() {
        if (text != null) return "Prompt.text(" + text.length() + " chars)";
        if (messages != null) return "Prompt.chat(" + messages.size() + " messages)";
        return "Prompt.tokens(" + tokens.length + ")";
    }
}
