package io.github.compresskv.eval.longbench;

import java.util.Map;

/**
 * A LongBench prompt template filled as pred.py does, {@code prompt_format.format(**record)}: Python
 * {@code str.format} on the template only, so the fields' text is inserted verbatim (braces in a context stay as
 * they are), "{{" and "}}" in the template are literal braces, and a field the record lacks is an error.
 * LongBench's templates use {@code {context}} and {@code {input}}.
 */
public record PromptTemplate(String template) {

    public String fill(String context, String input) {
        return fill(Map.of("context", context, "input", input));
    }

    public String fill(Map<String, String> fields) {
        StringBuilder out = new StringBuilder(template.length() + fields.values().stream().mapToInt(String::length).sum());
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                out.append('}');
                i += 2;
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) throw new IllegalArgumentException("prompt template has an unclosed '{' at " + i + ": " + template);
                String name = template.substring(i + 1, close);
                String value = fields.get(name);
                if (value == null) {
                    throw new IllegalArgumentException("prompt template field {" + name + "} is not one of " + fields.keySet());
                }
                out.append(value);
                i = close + 1;
            } else if (c == '}') {
                throw new IllegalArgumentException("prompt template has a single '}' at " + i + ": " + template);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
