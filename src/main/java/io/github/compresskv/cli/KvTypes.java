package io.github.compresskv.cli;

import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.ModelConfig;

import java.util.StringJoiner;

/** Bytes per token of the KV cache types, over all layers and KV heads, for {@code info} and stderr reports. */
final class KvTypes {
    private KvTypes() {}

    /** One type: e.g. "1.17 KiB" (steady state for the quantized types: complete groups). */
    static String perToken(ModelConfig c, KvStorage s) {
        return Units.bytes(Math.round(s.bytesPerToken(c.headDim()) * c.layers() * c.kvHeads()));
    }

    /** Every type: "7.50 KiB (F32), 3.75 KiB (F16), ...". */
    static String perToken(ModelConfig c) {
        StringJoiner j = new StringJoiner(", ");
        for (KvStorage s : KvStorage.values()) j.add(perToken(c, s) + " (" + s.name() + ")");
        return j.toString();
    }

}
