package io.github.compresskv.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import io.github.compresskv.tensor.Simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Machine yardsticks for the benchmarks: the memory bandwidth of a plain multi-threaded streaming
 * read (vectorized sum of longs over an off-heap buffer much larger than the caches, best of a few
 * repetitions) and the peak vector FMA rate over all threads. Decode speed is judged against the
 * first (weight bytes per token / time), prefill against the second.
 */
public final class BandwidthProbe {
    private BandwidthProbe() {}

    /** Default buffer for {@link #readBandwidth}: 1 GiB, far beyond any L3. */
    public static final long DEFAULT_BYTES = 1L << 30;

    /** Result of a read-bandwidth run: best of the repetitions. */
    public record Bandwidth(double gigabytesPerSecond, long bytes, int threads, double bestSeconds) {
        @Override
        public String toString() {
            return String.format("read bandwidth %.2f GB/s (%d MiB, %d threads, best %.1f ms)",
                    gigabytesPerSecond, bytes >> 20, threads, bestSeconds * 1e3);
        }
    }

    /** Result of an FMA-rate run: best of the repetitions. */
    public record FmaRate(double gigaflopsPerSecond, int threads, int vectorBits, double bestSeconds) {
        @Override
        public String toString() {
            return String.format("peak FMA %.1f GFLOP/s (%d-bit vectors, %d threads, best %.1f ms)",
                    gigaflopsPerSecond, vectorBits, threads, bestSeconds * 1e3);
        }
    }

    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, VectorShape.forBitSize(Simd.bits()));
    private static final int READ_UNROLL = 4;
    /** Independent FMA chains per thread: enough to cover FMA latency × throughput on current cores. */
    private static final int FMA_CHAINS = 12;

    /**
     * Streams {@code bytes} (rounded down to whole vectors per thread) with {@code threads} threads,
     * {@code repetitions} times, and reports the best rate. The buffer is off-heap, touched once before
     * timing, and freed afterwards.
     */
    public static Bandwidth readBandwidth(long bytes, int threads, int repetitions) {
        if (threads < 1 || repetitions < 1) {
            throw new IllegalArgumentException("threads and repetitions must be >= 1, got " + threads + ", " + repetitions);
        }
        long unit = (long) LONGS.vectorByteSize() * READ_UNROLL * threads;
        long size = bytes / unit * unit;
        if (size <= 0) throw new IllegalArgumentException("buffer of " + bytes + " bytes is too small for " + threads + " threads");
        long chunk = size / threads;
        warmUpKernels();
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads, daemon())) {
            MemorySegment buffer = arena.allocate(size, 4096);
            buffer.fill((byte) 1); // touch every page before timing
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < repetitions; rep++) {
                List<Future<Long>> parts = new ArrayList<>(threads);
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    long from = t * chunk;
                    parts.add(pool.submit(() -> sumLongs(buffer, from, from + chunk)));
                }
                for (Future<Long> f : parts) get(f); // the sums escape through the futures, so the reads stay
                best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
            }
            return new Bandwidth(size / best / 1e9, size, threads, best);
        }
    }

    /**
     * Runs {@code iterations} steps of {@value #FMA_CHAINS} independent vector FMAs on every thread,
     * {@code repetitions} times, and reports the best rate (2 flops per lane per FMA).
     */
    public static FmaRate fmaRate(int threads, int iterations, int repetitions) {
        if (threads < 1 || repetitions < 1 || iterations < 1) {
            throw new IllegalArgumentException("threads, iterations and repetitions must be >= 1");
        }
        warmUpKernels();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, daemon())) {
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < repetitions; rep++) {
                List<Future<Float>> parts = new ArrayList<>(threads);
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) parts.add(pool.submit(() -> fmaChains(iterations)));
                for (Future<Float> f : parts) get(f);
                best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
            }
            double flops = 2.0 * FMA_CHAINS * Simd.floatLanes() * (double) iterations * threads;
            return new FmaRate(flops / best / 1e9, threads, Simd.bits(), best);
        }
    }

    private static volatile boolean warm;

    /**
     * Runs both kernels briefly until C2 has compiled them as whole methods. Otherwise the first timed run is
     * interpreted or OSR-compiled code that boxes every vector: slower, and gigabytes of garbage that grow the
     * Java heap (and the process's resident memory) for the rest of the run.
     */
    static synchronized void warmUpKernels() {
        if (warm) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(64 * 1024, 64);
            for (int i = 0; i < 20_000; i++) {
                sumLongs(small, 0, small.byteSize());
                fmaChains(16);
            }
        }
        warm = true;
    }

    static long sumLongs(MemorySegment s, long from, long to) {
        LongVector a0 = LongVector.zero(LONGS), a1 = a0, a2 = a0, a3 = a0;
        long step = LONGS.vectorByteSize();
        ByteOrder order = ByteOrder.nativeOrder();
        for (long o = from; o + READ_UNROLL * step <= to; o += READ_UNROLL * step) {
            a0 = a0.add(LongVector.fromMemorySegment(LONGS, s, o, order));
            a1 = a1.add(LongVector.fromMemorySegment(LONGS, s, o + step, order));
            a2 = a2.add(LongVector.fromMemorySegment(LONGS, s, o + 2 * step, order));
            a3 = a3.add(LongVector.fromMemorySegment(LONGS, s, o + 3 * step, order));
        }
        long sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (long o = from + (to - from) / (READ_UNROLL * step) * (READ_UNROLL * step); o + 8 <= to; o += 8) {
            sum += s.get(ValueLayout.JAVA_LONG_UNALIGNED, o);
        }
        return sum;
    }

    static float fmaChains(int iterations) {
        VectorSpecies<Float> f = VectorSpecies.of(float.class, VectorShape.forBitSize(Simd.bits())); // the kernels' species
        FloatVector m = FloatVector.broadcast(f, 0.9999999f), c = FloatVector.broadcast(f, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(f, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bandwidth probe interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("bandwidth probe failed: " + e.getCause(), e.getCause());
        }
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "bandwidth-probe");
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Prints both probes. Arguments (optional): buffer size with k/m/g suffix (default 1g), threads
     * (default all processors).
     */
    public static void main(String[] args) {
        long bytes = args.length > 0 ? parseSize(args[0]) : DEFAULT_BYTES;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        System.out.println(readBandwidth(bytes, threads, 5));
        System.out.println(readBandwidth(bytes, 1, 5));
        System.out.println(fmaRate(threads, 20_000_000, 5));
        System.out.println(fmaRate(1, 20_000_000, 5));
    }

    static long parseSize(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        long mult = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1L;
        };
        String digits = mult == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("buffer size must be a number with optional k/m/g suffix, got '" + s + "'");
        }
    }
}
