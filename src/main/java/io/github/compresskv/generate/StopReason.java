package io.github.compresskv.generate;

/** Why a generation ended. */
public enum StopReason {
    /** An end-of-generation token (EOS, end-of-turn) was sampled. */
    END_OF_GENERATION,
    /** The text reached one of the stop strings. */
    STOP_STRING,
    /** The maximum number of new tokens was generated. */
    MAX_TOKENS,
    /** The sequence reached the model's context length. */
    CONTEXT_FULL,
    /** Another thread asked the generation to stop (the text so far is kept). */
    CANCELLED
}
