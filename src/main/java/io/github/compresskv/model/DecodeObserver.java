package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;

/**
 * Decode-time compression hook: keeps the cache bounded during long generations. A session that has one calls
 * {@link #afterDecodeSteps} after every {@link #interval()}-th single-token decode step (the step's row is
 * already in the cache), and the observer may {@link KvCache#retain} rows of any layer and head. Kept rows keep
 * their positions and {@code nextPosition()} is unchanged, so later tokens take the true sequence positions.
 * The decode loop itself allocates nothing for this; what the observer allocates is its own business, once per
 * interval.
 */
public interface DecodeObserver {

    /** Decode steps between calls (≥ 1), read once when the observer is installed. */
    int interval();

    /**
     * Token {@code token} is consumed at {@code position} (prompt tokens included, for observers that read text, e.g.
     * sentence boundaries); called before the token's own forward pass. The default ignores it.
     */
    default void token(int position, int token) {}

    /** Called every {@link #interval()} decode steps with the session's cache. */
    void afterDecodeSteps(KvCache cache);
}
