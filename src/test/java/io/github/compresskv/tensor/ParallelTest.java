package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 5}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 7, 100, 1001}) {
                    for (int grain : new int[] {1, 3, 16, 2000}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                        p.forRange(n, grain, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "threads " + threads + " n " + n + " grain " + grain + " index " + i);
                    }
                }
            }
        }
    }

    @Test
    void alignedChunksStartOnMultiplesOfTheAlignmentAndCoverEveryIndexOnce() {
        for (int threads : new int[] {2, 3}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {17, 100, 896, 4864 + 24}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    java.util.Set<Integer> starts = java.util.concurrent.ConcurrentHashMap.newKeySet();
                    p.forRange(n, 1, 16, (start, end) -> {
                        starts.add(start);
                        for (int i = start; i < end; i++) seen.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n);
                    for (int start : starts) assertEquals(0, start % 16, "chunk start " + start + " of " + n);
                }
            }
        }
    }

    @Test
    void forEachRunsEveryIndexOnceOnePerCallWhenParallel() {
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 2, 9, 100}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    int t = threads;
                    p.forEach(n, (s, e) -> {
                        if (t > 1) assertEquals(s + 1, e, "one index per call");
                        for (int i = s; i < e; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "threads " + threads + " n " + n + " index " + i);
                }
            }
        }
    }

    @Test
    void manyShortLoopsInARow() {
        try (Parallel p = new Parallel(3)) {
            AtomicInteger total = new AtomicInteger();
            for (int k = 0; k < 2000; k++) p.forRange(64, 1, (s, e) -> total.addAndGet(e - s));
            assertEquals(2000 * 64, total.get());
        }
    }

    @Test
    void bodyExceptionsReachTheCallerAfterAllChunks() {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger ran = new AtomicInteger();
            IllegalStateException boom = new IllegalStateException("boom");
            var e = assertThrows(IllegalStateException.class, () -> p.forRange(100, 1, (s, end) -> {
                ran.addAndGet(end - s);
                if (s == 0) throw boom;
            }));
            assertSame(boom, e);
            assertEquals(100, ran.get());
            // the pool still works afterwards
            AtomicInteger after = new AtomicInteger();
            p.forRange(10, 1, (s, end) -> after.addAndGet(end - s));
            assertEquals(10, after.get());
        }
    }

    @Test
    void nestedLoopsRunInline() {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger inner = new AtomicInteger();
            p.forRange(8, 1, (s, e) -> {
                for (int i = s; i < e; i++) p.forRange(10, 1, (a, b) -> inner.addAndGet(b - a));
            });
            assertEquals(80, inner.get());
        }
    }

    @Test
    void loopsFromSeveralThreadsAreSerializedSafely() throws Exception {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger total = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            Thread[] callers = new Thread[3];
            for (int t = 0; t < callers.length; t++) {
                callers[t] = Thread.ofPlatform().start(() -> {
                    try { start.await(); } catch (InterruptedException e) { return; }
                    for (int k = 0; k < 200; k++) p.forRange(50, 1, (s, e) -> total.addAndGet(e - s));
                });
            }
            start.countDown();
            for (Thread c : callers) c.join(30_000);
            assertEquals(3 * 200 * 50, total.get());
        }
    }

    @Test
    void closedPoolsRefuseWorkAndBadSizesAreRejected() {
        Parallel p = new Parallel(2);
        p.close();
        assertThrows(IllegalStateException.class, () -> p.forRange(100, 1, (s, e) -> { }));
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
        assertTrue(Parallel.ofDefault().threads() >= 1);
    }
}
