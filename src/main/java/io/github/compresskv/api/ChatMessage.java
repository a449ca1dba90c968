package io.github.compresskv.api;

/**
 * One message of a chat, rendered with the model's own chat template (see {@link Prompt#chat}).
 *
 * @param role    {@code system}, {@code user}, {@code assistant} (or any role the model's template knows)
 * @param content the message text
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("chat message without a role");
        if (content == null) throw new IllegalArgumentException("chat message (" + role + ") without content");
    }

    public static ChatMessage system(String content) { return new ChatMessage("system", content); }

    public static ChatMessage user(String content) { return new ChatMessage("user", content); }

    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }
}
