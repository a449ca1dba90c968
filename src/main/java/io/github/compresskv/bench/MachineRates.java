package io.github.compresskv.bench;

import io.github.compresskv.tensor.Simd;

/**
 * The two rooflines of a run, measured on this machine in the same process: streaming-read bandwidth (decode is
 * bound by it) and peak vector FMA rate (prefill is bound by it), both on all threads of the pool.
 */
public record MachineRates(double readGigabytesPerSecond, double fmaGigaflopsPerSecond, int threads, int vectorBits) {

    /** Measures both: the read over {@code probeBytes} (best of 5), the FMA loop best of 3. */
    public static MachineRates measure(int threads, long probeBytes) {
        BandwidthProbe.Bandwidth bw = BandwidthProbe.readBandwidth(probeBytes, threads, 5);
        BandwidthProbe.FmaRate fma = BandwidthProbe.fmaRate(threads, 20_000_000, 3);
        return new MachineRates(bw.gigabytesPerSecond(), fma.gigaflopsPerSecond(), threads, Simd.bits());
    }

    /** The better of two measurements of each rate (the roofline is what the machine can attain). */
    public MachineRates best(MachineRates other) {
        return new MachineRates(Math.max(readGigabytesPerSecond, other.readGigabytesPerSecond),
                Math.max(fmaGigaflopsPerSecond, other.fmaGigaflopsPerSecond), threads, vectorBits);
    }
}
