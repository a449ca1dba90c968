package io.github.compresskv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from {@code /proc/self/status} (Linux): VmRSS now, VmHWM (the peak since start
 * or since the last {@link #resetPeak}), and RssAnon / RssFile (heap and other anonymous memory vs mapped files
 * such as the model weights). Elsewhere every figure reads as −1.
 *
 * <p>The peak is reset by writing 5 to {@code /proc/self/clear_refs} (Linux ≥ 4.0), so one configuration of a
 * sweep can be measured on its own. It then starts from the current RSS, which includes Java heap the JVM keeps
 * committed after earlier configurations: for a clean peak, measure one configuration per process.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {}

    /** One reading, in bytes (−1 where unknown). */
    public record Snapshot(long rss, long peakRss, long rssAnon, long rssFile) {}

    public static Snapshot read() {
        try {
            long rss = -1, hwm = -1, anon = -1, file = -1;
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) rss = kib(line);
                else if (line.startsWith("VmHWM:")) hwm = kib(line);
                else if (line.startsWith("RssAnon:")) anon = kib(line);
                else if (line.startsWith("RssFile:")) file = kib(line);
            }
            return new Snapshot(rss, hwm, anon, file);
        } catch (IOException | RuntimeException e) {
            return new Snapshot(-1, -1, -1, -1);
        }
    }

    /** Restarts the peak (VmHWM) at the current RSS; false where the kernel does not allow it. */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** "VmHWM:	  123456 kB" → bytes. */
    static long kib(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
    }
}
