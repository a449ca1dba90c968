package io.github.compresskv.needle;

import java.util.Objects;

/**
 * One needle probe: the {@code sentence} spliced into the haystack, the {@code question} asked about it, and the
 * {@code answer} span the model should copy (the authors' {@code real_needle}).
 */
public record Needle(String sentence, String question, String answer) {
    public Needle {
        Objects.requireNonNull(sentence, "sentence");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        if (answer.isBlank()) throw new IllegalArgumentException("needle answer is empty: " + sentence);
        if (!sentence.contains(answer)) {
            throw new IllegalArgumentException("needle answer \"" + answer + "\" is not part of its sentence \"" + sentence + "\"");
        }
    }
}
