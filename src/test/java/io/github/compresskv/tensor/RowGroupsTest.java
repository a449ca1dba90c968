package io.github.compresskv.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights in row groups (Q4_0, Q5_0): the integer decode kernel, the prefill panels and the released file pages. */
class RowGroupsTest {

    private static Parallel pool;

    @BeforeAll
    static void startPool() { pool = new Parallel(3); }

    @AfterAll
    static void stopPool() { pool.close(); }

    private static float[][] reference(GgmlType type, byte[] bytes, int rows, int cols) {
        int rowBytes = bytes.length / rows;
        float[][] w = new float[rows][];
        for (int r = 0; r < rows; r++) w[r] = ReferenceDequantizer.dequantize(type, bytes, r * rowBytes, cols);
        return w;
    }

    private static RowGroups groupsOf(GgmlType type, byte[] bytes, int rows, int cols) {
        MemorySegment s = MemorySegment.ofArray(bytes);
        return switch (type) {
            case Q4_0 -> new Q4_0RowGroups(s, rows, cols);
            case Q5_0 -> new Q5_0RowGroups(s, rows, cols);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void panelsAreTheDequantizedRowsPackedToTheBit(GgmlType type) {
        Random random = new Random(3);
        int rows = 48, cols = 96;
        byte[] bytes = RandomWeights.of(type, rows, cols, random);
        WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(bytes), rows, cols);
        RowGroups groups = groupsOf(type, bytes, rows, cols);
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

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void everyFiniteF16ScaleConvertsInTheLanesToTheBit(GgmlType type) {
        // the groups keep the file's F16 scales and convert them with integer operations in the vector lanes: every
        // finite half (signed zeros, subnormals, normals up to ±65504) as some block's scale, the panels against
        // dequantizeRow (Float.float16ToFloat) bit for bit
        int rows = 16, blockBytes = (int) type.byteSize(32);
        int halves = 0;
        short[] scale = new short[65536];
        for (int h = 0; h < 65536; h++) if ((h & 0x7C00) != 0x7C00) scale[halves++] = (short) h;
        int blocks = (halves + rows - 1) / rows, cols = blocks * 32;
        byte[] bytes = RandomWeights.of(type, rows, cols, new Random(7));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * blocks; i++) b.putShort(i * blockBytes, scale[i % halves]);
        WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(bytes), rows, cols);
        RowGroups groups = groupsOf(type, bytes, rows, cols);
        assertTrue(groups.finiteScales);
        int panelRows = MatmulKernels.PANEL;
        float[] scratch = new float[rows * cols], expected = new float[panelRows * cols], got = new float[panelRows * cols];
        for (int i = 0; i < rows; i++) m.dequantizeRow(i, scratch, i * cols);
        MatmulKernels.pack(scratch, rows, cols, expected);
        groups.packPanel(0, rows, cols, got, panelRows);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(got[k]), "panel entry " + k);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void aMatrixWithAnInfiniteOrNaNScaleKeepsTheRowKernels(GgmlType type) {
        Random random = new Random(8);
        int rows = 32, cols = 128, blockBytes = (int) type.byteSize(32);
        for (short bad : new short[] {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00}) {
            byte[] bytes = RandomWeights.of(type, rows, cols, random);
            java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(21 * 4 * blockBytes + 2 * blockBytes, bad);
            assertFalse(groupsOf(type, bytes, rows, cols).finiteScales, "scale bits " + Integer.toHexString(bad & 0xFFFF));
            WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(bytes), rows, cols);
            float[] x = RandomWeights.floats(cols, random), y = new float[rows];
            m.matvec(x, y, 0, pool);
            assertFalse(m.hasRowGroups(), "the groups cannot hold that scale");
            float[][] w = reference(type, bytes, rows, cols);
            for (int r = 0; r < rows; r++) {
                if (r == 21) assertTrue(Float.isNaN(y[r]) || Float.isInfinite(y[r]), "row 21 reads the bad scale: " + y[r]);
                else if (Q8Activations.ENABLED) KernelChecks.assertQuantizedDot(y[r], w[r], x, "row " + r);
                else KernelChecks.assertDot(y[r], w[r], x, 0, "row " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void integerKernelStaysWithinTheActivationRoundingBoundOnceCompiled(GgmlType type) {
        Assumptions.assumeTrue(Q8Activations.ENABLED, "integer kernels off at " + Simd.bits() + " bits");
        Random random = new Random(4);
        int rows = 48, cols = 9 * 32; // three groups: a pair and an odd one
        byte[] bytes = RandomWeights.of(type, rows, cols, random);
        float[][] w = reference(type, bytes, rows, cols);
        RowGroups groups = groupsOf(type, bytes, rows, cols);
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

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void extremeWeightsAndActivationsDoNotOverflowTheSixteenBitSums(GgmlType type) {
        Assumptions.assumeTrue(Q8Activations.ENABLED, "integer kernels off at " + Simd.bits() + " bits");
        // every code at its smallest (value −8 · d, Q5_0 −16 · d) and at its largest (7 · d, 15 · d), against
        // activations all at ±127: the sums reach the 16-bit bound (8 · 127 · 32 per Q4_0 block, 16 · 127 · 16 per
        // Q5_0 half block)
        int rows = 16, cols = 64, blockBytes = (int) type.byteSize(32), offset = type == GgmlType.Q4_0 ? 8 : 16;
        for (boolean largest : new boolean[] {false, true}) {
            for (float sign : new float[] {1f, -1f}) {
                byte[] bytes = new byte[rows * 2 * blockBytes];
                if (largest) java.util.Arrays.fill(bytes, (byte) 0xFF);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int o = 0; o < bytes.length; o += blockBytes) b.putShort(o, Float.floatToFloat16(0.5f));
                float[] x = new float[cols];
                java.util.Arrays.fill(x, 2f * sign);
                float[] y = new float[rows];
                groupsOf(type, bytes, rows, cols).dotGroupsQ8(0, 1, new Q8Activations().quantize(x, cols), y, 0);
                float code = largest ? offset - 1 : -offset;
                for (int r = 0; r < rows; r++) {
                    assertEquals(code * 0.5f * 2f * sign * cols, y[r], 1e-3f, type + " row " + r + (largest ? ", largest" : ", smallest") + " codes, sign " + sign);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void matvecsWithGroupsSplitAcrossMatricesAgreeWithTheReference(GgmlType type) {
        // a Q8_0 matrix of 24 rows first, then 208 grouped rows: 232 rows over the 3-thread pool's 12 chunks of 20 rows,
        // rounded up to 32; the grouped matrix's chunks then run [8, 40), [40, 72), ...: one whole group each on the
        // group kernel and 8 rows on either side on the row kernel
        Random random = new Random(5);
        int cols = 4096, rows = 208;
        byte[] q8 = RandomWeights.of(GgmlType.Q8_0, 24, cols, random), q4 = RandomWeights.of(type, rows, cols, random);
        WeightMatrix a = WeightMatrices.of(GgmlType.Q8_0, MemorySegment.ofArray(q8), 24, cols);
        WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(q4), rows, cols);
        float[][] w = reference(type, q4, rows, cols);
        float[] x = RandomWeights.floats(cols, random);
        float[][] ys = {new float[24], new float[rows]};
        WeightMatrix.matvecs(new WeightMatrix[] {a, m}, x, ys, pool);
        if (Q8Activations.ENABLED) assertTrue(m.hasRowGroups(), "the grouped matrix built its groups");
        for (int r = 0; r < rows; r++) {
            if (Q8Activations.ENABLED) KernelChecks.assertQuantizedDot(ys[1][r], w[r], x, "matvecs row " + r);
            else KernelChecks.assertDot(ys[1][r], w[r], x, 0, "matvecs row " + r);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q5_0"})
    void aMappedFileStaysReadableAfterItsPagesAreReleased(GgmlType type, @TempDir Path dir) throws IOException {
        Random random = new Random(6);
        int rows = 64, cols = 256;
        byte[] bytes = RandomWeights.of(type, rows, cols, random);
        Path file = dir.resolve("weights.bin");
        Files.write(file, bytes);
        float[][] w = reference(type, bytes, rows, cols);
        try (Arena arena = Arena.ofShared(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            WeightMatrix m = WeightMatrices.of(type, mapped.asSlice(type.byteSize(cols) * 16), rows - 16, cols);
            float[] x = RandomWeights.floats(6 * cols, random);
            float[] y = new float[rows - 16];
            assertFalse(m.hasRowGroups(), "before the first product");
            m.matvec(x, y, 0, pool); // builds the groups and releases the mapping's pages
            if (Q8Activations.ENABLED) {
                // 16 rows' F16 scales, their nibbles, Q5_0's fifth bits: per 32 weights of a row 18 (Q4_0) or 22 bytes, the file's
                assertTrue(m.hasRowGroups(), "a matvec builds the groups");
                assertEquals((long) (rows - 16) * (cols / 32) * (type == GgmlType.Q4_0 ? 18 : 22), m.bytesRead(), "a matvec reads the groups");
            }
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
