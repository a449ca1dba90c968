package io.github.compresskv.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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

/** Q4_0 weights in row groups: the integer decode kernel, the prefill panels and the released file pages. */
class Q4_0RowGroupsTest {

    private static Parallel pool;

    @BeforeAll
    static void startPool() { pool = new Parallel(3); }

    @AfterAll
    static void stopPool() { pool.close(); }

    private static float[][] reference(byte[] bytes, int rows, int cols) {
        int rowBytes = bytes.length / rows;
        float[][] w = new float[rows][];
        for (int r = 0; r < rows; r++) w[r] = ReferenceDequantizer.dequantize(GgmlType.Q4_0, bytes, r * rowBytes, cols);
        return w;
    }

    @Test
    void panelsAreTheDequantizedRowsPackedToTheBit() {
        Random random = new Random(3);
        int rows = 48, cols = 96;
        byte[] bytes = RandomWeights.of(GgmlType.Q4_0, rows, cols, random);
        WeightMatrix m = WeightMatrices.of(GgmlType.Q4_0, MemorySegment.ofArray(bytes), rows, cols);
        Q4_0RowGroups groups = new Q4_0RowGroups(MemorySegment.ofArray(bytes), rows, cols);
        int panelRows = MatmulKernels.PANEL;
        float[] scratch = new float[panelRows * cols], expected = new float[panelRows * cols], got = new float[panelRows * cols];
        for (int r0 = 0; r0 < rows; r0 += panelRows) {
            int nr = Math.min(panelRows, rows - r0);
            for (int i = 0; i < nr; i++) m.dequantizeRow(r0 + i, scratch, i * cols);
            MatmulKernels.pack(scratch, nr, cols, expected);
            java.util.Arrays.fill(got, Float.NaN); // the padding rows must be written too
            groups.packPanel(r0, nr, cols, got, panelRows);
            for (int k = 0; k < expected.length; k++) {
                assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(got[k]),
                        "panel of rows " + r0 + ".." + (r0 + nr) + ", entry " + k);
            }
        }
    }

    @Test
    void integerKernelStaysWithinTheActivationRoundingBoundOnceCompiled() {
        Assumptions.assumeTrue(Q8Activations.ENABLED, "integer kernels off at " + Simd.bits() + " bits");
        Random random = new Random(4);
        int rows = 32, cols = 9 * 32;
        byte[] bytes = RandomWeights.of(GgmlType.Q4_0, rows, cols, random);
        float[][] w = reference(bytes, rows, cols);
        Q4_0RowGroups groups = new Q4_0RowGroups(MemorySegment.ofArray(bytes), rows, cols);
        float[] y = new float[rows + 3];
        for (int call = 0; call < 20_000; call++) {
            float[] x = RandomWeights.floats(cols, random);
            if (call % 3 == 0) for (int i = 0; i < 32; i++) x[i] = 0; // an all-zero block: d = 0
            if (call % 5 == 0) for (int i = 32; i < 64; i++) x[i] = 1; // every activation at the extreme ±127 after rounding
            Q8Activations xq = new Q8Activations().quantize(x, cols);
            groups.dotGroupsQ8(0, rows / 16, xq, y, 3);
            if (call % 50 == 0 || call > 19_990) {
                for (int r = 0; r < rows; r++) KernelChecks.assertQuantizedDot(y[3 + r], w[r], x, "row " + r + ", call " + call);
            }
        }
    }

    @Test
    void extremeWeightsAndActivationsDoNotOverflowTheSixteenBitSums() {
        Assumptions.assumeTrue(Q8Activations.ENABLED, "integer kernels off at " + Simd.bits() + " bits");
        // every weight q = 0 (value −8 · d) against activations all at +127: |Σ| = 8 · 127 · 32 per block, the bound
        int rows = 16, cols = 64;
        byte[] bytes = new byte[rows * 2 * 18];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < bytes.length; o += 18) b.putShort(o, Float.floatToFloat16(0.5f));
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 2f);
        float[] y = new float[rows];
        new Q4_0RowGroups(MemorySegment.ofArray(bytes), rows, cols).dotGroupsQ8(0, 1, new Q8Activations().quantize(x, cols), y, 0);
        for (int r = 0; r < rows; r++) assertEquals(-8 * 0.5f * 2f * cols, y[r], 1e-3f, "row " + r);
    }

    @Test
    void matvecsWithGroupsSplitAcrossMatricesAgreeWithTheReference() {
        // a Q8_0 matrix of 24 rows first: the pool's chunks (multiples of 16) then start and end inside the Q4_0
        // matrix's groups, whose edges go to the row kernel
        Random random = new Random(5);
        int cols = 4096;
        byte[] q8 = RandomWeights.of(GgmlType.Q8_0, 24, cols, random), q4 = RandomWeights.of(GgmlType.Q4_0, 64, cols, random);
        WeightMatrix a = WeightMatrices.of(GgmlType.Q8_0, MemorySegment.ofArray(q8), 24, cols);
        WeightMatrix m = WeightMatrices.of(GgmlType.Q4_0, MemorySegment.ofArray(q4), 64, cols);
        float[][] w = reference(q4, 64, cols);
        float[] x = RandomWeights.floats(cols, random);
        float[][] ys = {new float[24], new float[64]};
        WeightMatrix.matvecs(new WeightMatrix[] {a, m}, x, ys, pool);
        for (int r = 0; r < 64; r++) {
            if (Q8Activations.ENABLED) KernelChecks.assertQuantizedDot(ys[1][r], w[r], x, "matvecs row " + r);
            else KernelChecks.assertDot(ys[1][r], w[r], x, 0, "matvecs row " + r);
        }
    }

    @Test
    void aMappedFileStaysReadableAfterItsPagesAreReleased(@TempDir Path dir) throws IOException {
        Random random = new Random(6);
        int rows = 64, cols = 256;
        byte[] bytes = RandomWeights.of(GgmlType.Q4_0, rows, cols, random);
        Path file = dir.resolve("q4_0.bin");
        Files.write(file, bytes);
        float[][] w = reference(bytes, rows, cols);
        try (Arena arena = Arena.ofShared(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            WeightMatrix m = WeightMatrices.of(GgmlType.Q4_0, mapped.asSlice(18L * (cols / 32) * 16), rows - 16, cols);
            float[] x = RandomWeights.floats(6 * cols, random);
            float[] y = new float[rows - 16];
            m.matvec(x, y, 0, pool); // builds the groups and releases the mapping's pages
            for (int r = 0; r < rows - 16; r++) {
                if (Q8Activations.ENABLED) KernelChecks.assertQuantizedDot(y[r], w[16 + r], x, "matvec row " + r);
                else KernelChecks.assertDot(y[r], w[16 + r], x, 0, "matvec row " + r);
            }
            float[] out = new float[6 * (rows - 16)];
            m.matmul(x, 6, out, pool);
            float[] row = new float[cols];
            for (int r = 0; r < rows - 16; r++) {
                for (int t = 0; t < 6; t++) KernelChecks.assertDot(out[t * (rows - 16) + r], w[16 + r], x, t * cols, "matmul row " + r + " token " + t);
                m.dequantizeRow(r, row, 0); // the released pages read back from the file
                for (int k = 0; k < cols; k++) assertEquals(w[16 + r][k], row[k], 0f, "row " + r + " element " + k + " after release");
            }
            // the whole file, including the 16 rows before the matrix, is intact
            byte[] again = mapped.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            for (int i = 0; i < bytes.length; i++) assertEquals(bytes[i], again[i], "byte " + i);
        }
    }
}
