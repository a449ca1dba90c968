package io.github.compresskv.server;

import io.github.compresskv.api.Context;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prompt caches kept after requests, so that a request whose prompt extends an earlier one (the next turn of a chat,
 * another question after the same document) forks that cache and prefills only the rest. An entry is the state at
 * the end of a prompt, compressed as its request asked; a request reuses it only with the same {@code kv_compression}.
 * Entries are paid from {@link KvMemory} and evicted least recently used first, by count or when memory is needed.
 * Thread-safe (the memory account's lock guards both).
 */
final class PrefixCache {
    /** A cached prompt state. */
    record Entry(KvCompression spec, int[] tokens, Context context, long fullBytes, KvMemory.Reservation memory) {}

    private final KvMemory memory;
    private final int maxEntries;
    private final int minTokens;
    /** Least recently used first. */
    private final List<Entry> entries = new ArrayList<>();

    PrefixCache(KvMemory memory, int maxEntries, int minTokens) {
        this.memory = memory;
        this.maxEntries = maxEntries;
        this.minTokens = minTokens;
        memory.evictor(this::evictOldest);
    }

    /** The longest cached prompt under {@code spec} that {@code tokens} starts with (marked recently used), or null. */
    Entry longestPrefix(KvCompression spec, int[] tokens) {
        synchronized (memory) {
            Entry best = null;
            for (Entry e : entries) {
                if (e.spec.equals(spec) && e.tokens.length <= tokens.length && (best == null || e.tokens.length > best.tokens.length)
                        && Arrays.equals(e.tokens, 0, e.tokens.length, tokens, 0, e.tokens.length)) {
                    best = e;
                }
            }
            if (best != null) {
                entries.remove(best);
                entries.add(best);
            }
            return best;
        }
    }

    /** Keeps a fork of {@code context} (its state at the end of {@code tokens}; owned by the caller's thread) when it is worth it and fits. */
    void put(KvCompression spec, int[] tokens, Context context, long fullBytes) {
        if (maxEntries == 0 || tokens.length < minTokens) return;
        synchronized (memory) {
            for (Entry e : entries) if (e.spec.equals(spec) && Arrays.equals(e.tokens, tokens)) return;
        }
        long bytes = context.kvBytes();
        KvMemory.Reservation r = memory.tryReserve(bytes);
        if (r == null) return;
        Entry e = new Entry(spec, tokens.clone(), context.fork(), fullBytes, r);
        synchronized (memory) {
            entries.add(e);
            while (entries.size() > maxEntries) evictOldest();
        }
    }

    int size() {
        synchronized (memory) { return entries.size(); }
    }

    long bytes() {
        synchronized (memory) {
            long b = 0;
            for (Entry e : entries) b += e.memory.bytes();
            return b;
        }
    }

    void clear() {
        synchronized (memory) { while (evictOldest()) { } }
    }

    private boolean evictOldest() {
        synchronized (memory) {
            if (entries.isEmpty()) return false;
            entries.remove(0).memory.close();
            return true;
        }
    }
}
