package io.github.compresskv.api;

import io.github.compresskv.cache.KvStorage;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a model is loaded: worker threads and the storage type of its contexts' KV caches. Immutable.
 *
 * <pre>{@code
 * LoadOptions.defaults().threads(4).kvType("f16")
 * }</pre>
 */
public final class LoadOptions {
    private final int threads;
    private final KvStorage kvType;

    private LoadOptions(int threads, KvStorage kvType) {
        this.threads = threads;
        this.kvType = kvType;
    }

    /** One thread per available processor, F32 KV cache. */
    public static LoadOptions defaults() { return new LoadOptions(0, KvStorage.F32); }

    /** Worker threads of the model's pool (0: one per available processor). */
    public LoadOptions threads(int n) {
        if (n < 0) throw new IllegalArgumentException("threads must be >= 0 (0: all processors), got " + n);
        return new LoadOptions(n, kvType);
    }

    /** KV cache storage of the model's contexts by name, case-insensitive: {@link #kvTypes()} lists them (f32, f16, ...). */
    public LoadOptions kvType(String name) {
        String n = name == null ? "" : name.strip().toUpperCase(Locale.ROOT);
        for (KvStorage s : KvStorage.values()) if (s.name().equals(n)) return new LoadOptions(threads, s);
        throw new IllegalArgumentException("unknown KV type '" + name + "'; valid: " + String.join(", ", kvTypes()));
    }

    /** The KV cache storage types, lower case. */
    public static java.util.List<String> kvTypes() {
        return Arrays.stream(KvStorage.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.toList());
    }

    /** Worker threads (0: one per available processor). */
    public int threads() { return threads; }

    /** The KV type's name, lower case. */
    public String kvType() { return kvType.name().toLowerCase(Locale.ROOT); }

    KvStorage storage() { return kvType; }

    @Override
    public String toString() { return "LoadOptions[threads=" + (threads == 0 ? "all" : threads) + ", kvType=" + kvType() + "]"; }
}
