package io.github.compresskv.cli;

import io.github.compresskv.compress.SelectionUnit;
import io.github.compresskv.compress.SinkTokens;
import picocli.CommandLine.Option;

/** The shape of chunk and sentence units and the sinks kept with them, shared by every command that takes units (--unit or --units). */
final class UnitShapeFlags {

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "" + SelectionUnit.DEFAULT_CHUNK,
            description = "Tokens per chunk unit (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--sentence-cap", paramLabel = "N", defaultValue = "" + SelectionUnit.DEFAULT_SENTENCE_CAP,
            description = "Sentence units longer than N tokens are split into near-equal pieces (default: ${DEFAULT-VALUE}).")
    int sentenceCap;

    @Option(names = "--unit-score", paramLabel = "sum|mean", defaultValue = "sum",
            description = "How a unit's score is made from its tokens' scores: sum (default) or mean.")
    String unitScore;

    @Option(names = "--sink-tokens", paramLabel = "N", defaultValue = "0",
            description = "Always keep the sequence's first N tokens (attention sinks) in every KV head, within the budget;"
                    + " methods that score content only (default: ${DEFAULT-VALUE}).")
    int sinkTokens;

    /** The sinks of --sink-tokens; a negative count fails, naming the flag. */
    SinkTokens sinks() { return new SinkTokens(sinkTokens); }

    /** The unit named {@code name} (token, chunk, sentence, or a label such as chunk16) with these flags' shape. */
    SelectionUnit unit(String name) { return SelectionUnit.of(name, chunkSize, sentenceCap, unitScore); }
}
