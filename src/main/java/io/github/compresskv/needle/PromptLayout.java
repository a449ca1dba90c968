package io.github.compresskv.needle;

/**
 * The text around a needle context: a template with the placeholders {@code {context}} and {@code {question}}.
 * The default is the paper's needle layout (method notes §7.2) without its {@code <|im_start|>} text, which is
 * what the embedded model was trained on; the tokenizer adds BOS.
 */
public record PromptLayout(String template) {
    public static final PromptLayout PAPER = new PromptLayout(
            "This is a very long story book: <book> {context} </book>.\n Based on the content of the book, Question: {question}\nAnswer:");

    public PromptLayout {
        if (!template.contains("{context}") || !template.contains("{question}")) {
            throw new IllegalArgumentException("prompt layout needs the placeholders {context} and {question}: " + template);
        }
    }

    public String render(String context, String question) {
        int c = template.indexOf("{context}");
        String before = template.substring(0, c);
        String after = template.substring(c + "{context}".length());
        // substitute the question outside the context only, so a context that happens to contain "{question}" stays as it is
        return before.replace("{question}", question) + context + after.replace("{question}", question);
    }

    /**
     * Where the question part of {@link #render}{@code (context, q)} begins, for any q: at the first newline after the
     * context (the paper's layout: the context part ends with {@code " </book>."}, the question part is
     * {@code "\n Based on the content of the book, Question: q\nAnswer:"}), or at the question when it comes first;
     * −1 when the layout asks the question before the context (no context can be compressed before it).
     */
    public int questionStart(String context) {
        int c = template.indexOf("{context}");
        String before = template.substring(0, c);
        if (before.contains("{question}")) return -1;
        String after = template.substring(c + "{context}".length());
        int nl = after.indexOf('\n'), q = after.indexOf("{question}");
        return before.length() + context.length() + (nl >= 0 && nl < q ? nl : q);
    }
}
