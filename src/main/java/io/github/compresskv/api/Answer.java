package io.github.compresskv.api;

/**
 * The outcome of one generation, with the figures an application reports as usage.
 *
 * @param text            the generated text (no end-of-generation token, no stop string or what followed it)
 * @param tokenIds        every sampled token, a final end-of-generation token included
 * @param finishReason    why it ended
 * @param promptTokens    tokens run through the model before generating (the question of {@link Context#ask}; 0 for
 *                        {@link Context#generate}, whose prompt was prefilled before)
 * @param generatedTokens {@code tokenIds.length}
 * @param prefillMillis   wall time of running {@code promptTokens}
 * @param decodeMillis    wall time of sampling and decode steps
 * @param kvBytes         bytes of the context's KV cache after the generation
 * @param position        tokens the context has consumed after the generation (its next position)
 */
public record Answer(String text, int[] tokenIds, FinishReason finishReason, int promptTokens, int generatedTokens,
                     double prefillMillis, double decodeMillis, long kvBytes, int position) {

    /** Generated tokens per second of decode time (0 when nothing was decoded). */
    public double decodeTokensPerSecond() { return decodeMillis > 0 ? generatedTokens / (decodeMillis / 1000) : 0; }
}
