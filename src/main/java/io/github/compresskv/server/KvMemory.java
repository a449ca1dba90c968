package io.github.compresskv.server;

import java.util.function.BooleanSupplier;

/**
 * The server's KV-cache memory account ({@code --max-kv-mib}). Every cache is paid for before it grows: a request
 * reserves its prefill plus max_tokens rows before its prefill, shrinks the reservation to what compression kept,
 * and releases it at the end; contexts and prefix-cache entries hold theirs while they live. A reservation that
 * does not fit first evicts prefix-cache entries (least recently used first), then fails with 503, so the live
 * KV bytes never exceed the limit and a large request never ends in an OutOfMemoryError.
 *
 * <p>Counted as {@code KvCache.bytes()} counts: stored key and value elements.
 */
final class KvMemory {
    private final long limit;
    private long used;
    private BooleanSupplier evictOne = () -> false;

    KvMemory(long limitBytes) {
        if (limitBytes < 1) throw new IllegalArgumentException("KV memory limit must be positive, got " + limitBytes);
        this.limit = limitBytes;
    }

    /** Installs what frees memory on demand (the prefix cache's LRU eviction); called under this object's lock. */
    synchronized void evictor(BooleanSupplier evictOne) { this.evictOne = evictOne; }

    long limit() { return limit; }

    synchronized long used() { return used; }

    /** Reserves {@code bytes} for {@code what} or fails with 503 (Retry-After when it would fit once others finish). */
    synchronized Reservation reserve(long bytes, String what) {
        Reservation r = tryReserve(bytes);
        if (r != null) return r;
        boolean never = bytes > limit;
        throw ApiException.kvMemory(what + " needs " + Mib.of(bytes) + " of KV cache; the server's limit is " + Mib.of(limit)
                + (never ? " (--max-kv-mib)" : ", of which " + Mib.of(used) + " is in use"), never ? 0 : 1);
    }

    /** Reserves {@code bytes} (evicting prefix-cache entries if needed), or null when it cannot fit. */
    synchronized Reservation tryReserve(long bytes) {
        if (bytes > limit) return null;
        while (used + bytes > limit) {
            if (!evictOne.getAsBoolean()) return null;
        }
        used += bytes;
        return new Reservation(bytes);
    }

    /** Memory held for one cache; resized as the cache shrinks or is known, released once. */
    final class Reservation implements AutoCloseable {
        private long bytes;
        private boolean closed;

        private Reservation(long bytes) { this.bytes = bytes; }

        synchronized long bytes() { return bytes; }

        /** Lowers the reservation to {@code newBytes} (no-op when not lower). */
        void shrinkTo(long newBytes) {
            synchronized (KvMemory.this) {
                if (closed || newBytes >= bytes) return;
                used -= bytes - newBytes;
                bytes = newBytes;
            }
        }

        @Override
        public void close() {
            synchronized (KvMemory.this) {
                if (closed) return;
                closed = true;
                used -= bytes;
            }
        }
    }

    /** Byte counts as MiB text. */
    static final class Mib {
        private Mib() {}

        static String of(long bytes) { return String.format(java.util.Locale.ROOT, "%.2f MiB", bytes / 1048576.0); }
    }
}
