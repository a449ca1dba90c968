package io.github.compresskv.model;

import io.github.compresskv.cache.KvCache;

/**
 * The second half of a compression that cannot decide layer by layer (e.g. a budget allocation over all
 * layers): a {@link PrefillObserver} collects its scores during the prefill, then {@link #afterPrefill} shrinks the
 * cache once every layer is done. A session applies it with {@code Session.compress}. Streaming compressions
 * need no finish (their {@code layerDone} already retained).
 */
@FunctionalInterface
public interface PostPrefillCompression {

    /** Shrinks {@code cache} with {@link KvCache#retain}; kept rows keep their positions, {@code nextPosition()} is unchanged. */
    void afterPrefill(KvCache cache);
}
