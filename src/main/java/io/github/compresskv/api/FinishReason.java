package io.github.compresskv.api;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token (EOS or end of turn). */
    END_OF_TEXT,
    /** The text reached one of the stop strings (which is cut off, with what followed it). */
    STOP_STRING,
    /** The maximum number of new tokens was generated. */
    MAX_TOKENS,
    /** The context reached the model's context length. */
    CONTEXT_FULL,
    /** A {@link Cancellation} (or {@link TokenStream#cancel()}) stopped it. */
    CANCELLED
}
