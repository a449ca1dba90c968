package io.github.compresskv.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An owned pool of worker threads for data-parallel loops over index ranges. Close it when the model
 * is closed; there is no global pool.
 *
 * <p>Built for many short loops in a row (a decode step is dozens of matvecs of 0.05-1 ms): the
 * calling thread works too, chunks are claimed from an atomic counter, and idle workers spin for a
 * while before they park. A fork-join pool parks its workers at once, and waking one can take longer
 * than a whole matvec, so two threads ran no faster than one.
 *
 * <p>Loops from several threads are serialized; a loop started from inside a loop body runs inline.
 *
 * <p>Allocation-free per loop (decode runs hundreds of loops per token): one {@link Job} is reset for every
 * loop, and workers tell loops apart by a generation number. Before a reset the caller closes the job
 * (generation −1) and waits until no worker is inside it, so a late worker never sees half-written fields.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop: handles indices [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** How long an idle worker spins for the next loop before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock submit = new ReentrantLock();
    private final Job job = new Job();
    /** Which loop the job holds: > 0 while open, −1 while it is being reset, 0 before the first loop. */
    private volatile long generation;
    /** Last generation handed out (written under {@link #submit}). */
    private long lastGeneration;
    /** Workers between joining a generation and leaving {@link Job#work}. */
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("compresskv-worker-" + i).unstarted(this::workLoop);
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor (or the {@code compresskv.threads} system property). */
    public static Parallel ofDefault() {
        String p = System.getProperty("compresskv.threads");
        int n;
        try {
            n = p != null ? Integer.parseInt(p.strip()) : Runtime.getRuntime().availableProcessors();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property compresskv.threads must be a number, got '" + p + "'");
        }
        return new Parallel(Math.max(1, n));
    }

    public int threads() { return threads; }

    /**
     * Runs body over [0, n) split into chunks of at least {@code grain} indices (at most 4 per thread).
     * Runs inline when the work is small, the pool has one thread, or this is a nested call.
     * An exception thrown by the body is rethrown here after all chunks have finished.
     */
    public void forRange(int n, int grain, RangeBody body) {
        forRange(n, grain, 1, body);
    }

    /** As {@link #forRange(int, int, RangeBody)} with every chunk but the last a multiple of {@code align} indices. */
    public void forRange(int n, int grain, int align, RangeBody body) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        int chunks = Math.min((n + g - 1) / g, threads * 4);
        int size = (n + chunks - 1) / chunks;
        size = (size + align - 1) / align * align;
        run(n, size, n <= g, body);
    }

    /**
     * Runs body over [0, n) in calls of one index each, claimed one at a time by whoever is free: for a few
     * coarse, uneven items (matmul tiles), where fixed chunks of several items leave a thread idle at the end.
     * Runs inline (one call over [0, n)) when the pool has one thread or this is a nested call.
     */
    public void forEach(int n, RangeBody body) {
        if (n <= 0) return;
        run(n, 1, n == 1, body);
    }

    private void run(int n, int chunkSize, boolean small, RangeBody body) {
        if (workers.length == 0 || small || submit.isHeldByCurrentThread() || isWorker()) {
            body.run(0, n);
            return;
        }
        if (closed) throw new IllegalStateException("parallel pool is closed");
        submit.lock();
        try {
            generation = -1; // close the previous loop: workers that have not joined it stay out
            while (active.get() != 0) Thread.onSpinWait();
            job.reset(body, n, chunkSize);
            generation = ++lastGeneration;
            for (Thread w : workers) LockSupport.unpark(w);
            job.work();
            job.awaitDone();
            job.body = null; // all chunks are claimed: no worker calls it any more
            job.rethrow();
        } finally {
            submit.unlock();
        }
    }

    private boolean isWorker() {
        Thread t = Thread.currentThread();
        for (Thread w : workers) if (w == t) return true;
        return false;
    }

    private void workLoop() {
        long last = 0;
        long idleSince = System.nanoTime();
        while (!closed) {
            long g = generation;
            if (g > 0 && g != last) {
                active.incrementAndGet();
                // re-check after announcing: if the caller closed the job meanwhile, it either waits for us or we see it
                if (generation == g) {
                    last = g;
                    job.work();
                    idleSince = System.nanoTime();
                }
                active.decrementAndGet();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 1_000_000); // woken by unpark when a loop starts
            }
        }
    }

    /** The current parallel loop: chunks claimed by whoever is free, completion counted. Reset for every loop. */
    private static final class Job {
        private RangeBody body;
        private int n;
        private int chunk;
        private int chunks;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        /** Called with no worker inside the job; the generation write that follows publishes the fields. */
        void reset(RangeBody body, int n, int chunk) {
            this.body = body;
            this.n = n;
            this.chunk = chunk;
            this.chunks = (n + chunk - 1) / chunk;
            this.failure = null;
            done.set(0);
            next.set(0);
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    int start = c * chunk;
                    body.run(start, Math.min(n, start + chunk));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        void awaitDone() {
            long spins = 0;
            while (done.get() < chunks) {
                if (++spins < 1_000_000) Thread.onSpinWait();
                else Thread.yield();
            }
        }

        void rethrow() {
            Throwable t = failure;
            failure = null;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException("parallel loop failed", t);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
