package io.github.compresskv.bench;

import io.github.compresskv.tensor.Simd;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probes run and report plausible numbers on a small buffer (the real run uses 1 GiB). */
class BandwidthProbeTest {

    @Test
    void readBandwidthReportsAPositiveRate() {
        BandwidthProbe.Bandwidth b = BandwidthProbe.readBandwidth(8 << 20, 2, 2);
        assertTrue(b.gigabytesPerSecond() > 0 && Double.isFinite(b.gigabytesPerSecond()), b.toString());
        assertEquals(2, b.threads());
        assertTrue(b.bytes() <= 8 << 20 && b.bytes() > 7 << 20);
    }

    @Test
    void fmaRateReportsAPositiveRate() {
        BandwidthProbe.FmaRate f = BandwidthProbe.fmaRate(2, 100_000, 2);
        assertTrue(f.gigaflopsPerSecond() > 0 && Double.isFinite(f.gigaflopsPerSecond()), f.toString());
        assertEquals(Simd.bits(), f.vectorBits());
    }

    @Test
    void sumOfLongsCountsEveryByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096 + 24);
            for (long o = 0; o < s.byteSize(); o += 8) s.set(ValueLayout.JAVA_LONG_UNALIGNED, o, 3);
            assertEquals(3L * (s.byteSize() / 8), BandwidthProbe.sumLongs(s, 0, s.byteSize()));
        }
    }

    @Test
    void sizesParseAndBadArgumentsAreRejected() {
        assertEquals(1L << 30, BandwidthProbe.parseSize("1g"));
        assertEquals(512L << 20, BandwidthProbe.parseSize("512M"));
        assertEquals(4096, BandwidthProbe.parseSize("4096"));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.parseSize("lots"));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.readBandwidth(16, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.fmaRate(0, 10, 1));
    }
}
