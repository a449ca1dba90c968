package io.github.compresskv.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Key, value and position arrays that {@link HeadRows#retain} freed, handed to the next head that grows to exactly
 * that length instead of allocating anew. A streaming prefill compresses each layer as soon as the next one starts
 * to grow to the prompt's length, so with this the next layer takes over the finished layer's arrays and the heap
 * holds one uncompressed layer for the whole prefill. Without it every layer allocates its own, and each
 * young-generation collection during the prefill promotes the layer being filled to the old generation, where it
 * stays resident as garbage until a full collection.
 *
 * <p>Holds at most {@code limit} arrays, the largest offered (a re-eviction frees small arrays that would otherwise
 * push out the big ones). Only exact lengths are handed out, so a head's capacity stays the length of its arrays.
 */
final class FreedArrays {
    private final List<Object> arrays = new ArrayList<>();
    private final int limit;

    FreedArrays(int limit) {
        this.limit = limit;
    }

    /** Keeps {@code array} (a float[], short[] or int[]) for reuse, or drops it if it is smaller than all kept ones. */
    void offer(Object array) {
        if (arrays.size() < limit) {
            arrays.add(array);
            return;
        }
        int smallest = 0;
        for (int i = 1; i < arrays.size(); i++) if (length(arrays.get(i)) < length(arrays.get(smallest))) smallest = i;
        if (length(array) > length(arrays.get(smallest))) arrays.set(smallest, array);
    }

    /** A kept float[] of exactly {@code length} elements (removed from the pool), or null. */
    float[] floats(int length) { return (float[]) take(float[].class, length); }

    /** A kept short[] of exactly {@code length} elements (removed from the pool), or null. */
    short[] shorts(int length) { return (short[]) take(short[].class, length); }

    /** A kept int[] of exactly {@code length} elements (removed from the pool), or null. */
    int[] ints(int length) { return (int[]) take(int[].class, length); }

    /** Number of arrays kept. */
    int size() { return arrays.size(); }

    private Object take(Class<?> type, int length) {
        for (int i = 0; i < arrays.size(); i++) {
            Object a = arrays.get(i);
            if (a.getClass() == type && length(a) == length) return arrays.remove(i);
        }
        return null;
    }

    private static int length(Object array) { return java.lang.reflect.Array.getLength(array); }
}
