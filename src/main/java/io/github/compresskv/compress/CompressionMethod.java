package io.github.compresskv.compress;

import java.util.function.BiFunction;

/**
 * A named preset: how to build its {@link CompressionPolicy} from the options and the budget (profiles are read
 * then, so a missing profile fails before any prefill work).
 *
 * @param scoresContent whether its scores rate what the rows hold (attention, norms), so that units other than
 *                      tokens mean something; false for no eviction, positions and random scores
 * @param reconstructs  whether the method scores the context by a reconstruction pass after its prefill (KVzip):
 *                      it runs only where the whole context is prefilled before any question
 *                      ({@link ContextReconstruction}), never inside a prefill, at decode time or streaming
 */
public record CompressionMethod(String name, String summary, BiFunction<CompressionOptions, Budget, CompressionPolicy> factory,
                                boolean scoresContent, boolean reconstructs) {

    public CompressionMethod(String name, String summary, BiFunction<CompressionOptions, Budget, CompressionPolicy> factory,
                             boolean scoresContent) {
        this(name, summary, factory, scoresContent, false);
    }

    public CompressionPolicy policy(CompressionOptions options, Budget budget) { return factory.apply(options, budget); }
}
