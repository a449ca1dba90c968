package io.github.compresskv.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights read from a file mapping: the kernels' view of it, its read-only flag and its lifetime. */
class MappedWeightsTest {

    private static Parallel pool;

    @BeforeAll
    static void startPool() { pool = new Parallel(2); }

    @AfterAll
    static void stopPool() { pool.close(); }

    @Test
    void kernelsReadAMappingAsAPlainNativeSegmentThatDiesWithItsArena(@TempDir Path dir) throws IOException {
        assertTrue(WeightMatrix.NATIVE_ACCESS, "the tests run with --enable-native-access, as the launcher and the jar do");
        Random random = new Random(11);
        int rows = 40, cols = 256;
        byte[] bytes = RandomWeights.of(GgmlType.Q8_0, rows, cols, random);
        Path file = dir.resolve("weights.bin");
        Files.write(file, bytes);
        float[] x = RandomWeights.floats(cols, random), y = new float[rows];
        WeightMatrix m;
        try (Arena arena = Arena.ofShared(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            m = WeightMatrices.of(GgmlType.Q8_0, mapped, rows, cols);
            // one segment class for all the kernels' loads (mapped file weights and row groups alike)
            assertFalse(m.data.isMapped(), "the kernels' view is a plain native segment");
            assertEquals(mapped.address(), m.data.address(), "over the same memory");
            assertTrue(m.data.isReadOnly(), "and as read-only as the mapping");
            m.matvec(x, y, 0, pool);
            int rowBytes = bytes.length / rows;
            for (int r = 0; r < rows; r++) {
                KernelChecks.assertDot(y[r], ReferenceDequantizer.dequantize(GgmlType.Q8_0, bytes, r * rowBytes, cols), x, 0, "row " + r);
            }
        }
        // the file is unmapped with its arena: the view must fail cleanly, not read freed memory
        WeightMatrix closed = m;
        assertThrows(IllegalStateException.class, () -> closed.matvec(x, y, 0, pool));
        assertThrows(IllegalStateException.class, () -> closed.dequantizeRow(0, new float[cols], 0));
    }
}
