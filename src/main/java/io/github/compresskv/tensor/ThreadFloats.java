package io.github.compresskv.tensor;

/**
 * A per-thread float array for kernel scratch, grown on demand and then reused, so that steady-state calls allocate
 * nothing. The contents are not kept meaningful across calls.
 */
public final class ThreadFloats {
    private final ThreadLocal<float[]> local;

    public ThreadFloats(int initialLength) {
        this.local = ThreadLocal.withInitial(() -> new float[initialLength]);
    }

    /** This thread's array, at least {@code n} long (grown to at least twice its length when shorter). */
    public float[] atLeast(int n) {
        float[] a = local.get();
        if (a.length < n) {
            a = new float[Math.max(n, 2 * a.length)];
            local.set(a);
        }
        return a;
    }
}
