package io.github.compresskv.api;

/**
 * Receives generated text as soon as it is certain: complete characters that cannot be the start of a stop string.
 * The pieces concatenated are {@link Answer#text()}. Called on the generating thread; a slow listener slows the
 * generation.
 */
@FunctionalInterface
public interface TokenListener {

    /** The next piece of text (one or more tokens' worth; never empty). */
    void onText(String piece);
}
