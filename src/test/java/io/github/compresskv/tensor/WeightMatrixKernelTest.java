package io.github.compresskv.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every weight type, block by block, against the scalar reference (at this JVM's vector width). */
class WeightMatrixKernelTest {

    private static Parallel pool;

    @BeforeAll
    static void startPool() { pool = new Parallel(3); }

    @AfterAll
    static void stopPool() { pool.close(); }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsMatchReferenceBlockByBlock(GgmlType type) {
        long seed = 1000 + type.ordinal();
        for (int cols : KernelChecks.colsFor(type)) {
            for (int rows : new int[] {1, 3, 8}) {
                KernelChecks.check(type, rows, cols, seed++, KernelChecks.Placement.NATIVE, pool);
            }
        }
        int cols = KernelChecks.colsFor(type)[0];
        KernelChecks.check(type, 5, cols, seed++, KernelChecks.Placement.HEAP, pool);
        KernelChecks.check(type, 7, cols, seed++, KernelChecks.Placement.UNALIGNED, pool);
        // several matmul tiles, a partial last tile and rows not a multiple of 4
        KernelChecks.check(type, 71, cols, seed++, KernelChecks.Placement.NATIVE, pool);
        // rows in 16s: the types that re-lay rows out in groups do so (a partial last tile of whole groups at 8 lanes)
        KernelChecks.check(type, 48, cols, seed++, KernelChecks.Placement.NATIVE, pool);
        KernelChecks.check(type, 80, KernelChecks.colsFor(type)[2], seed, KernelChecks.Placement.UNALIGNED, pool);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_0", "Q6_K"})
    void kernelsStayExactOnceCompiled(GgmlType type) {
        // enough calls that C2 compiles the kernels: the intrinsified code must agree with the reference too
        int cols = 4 * Math.max(type.blockSize(), 64) + type.blockSize(); // an odd number of blocks
        Random random = new Random(7);
        byte[] bytes = RandomWeights.of(type, 4, cols, random);
        float[] x = RandomWeights.floats(cols, random);
        float[] ref = ReferenceDequantizer.dequantize(type, bytes, 0, cols);
        int rowBytes = bytes.length / 4;
        float[] ref3 = ReferenceDequantizer.dequantize(type, bytes, 3 * rowBytes, cols);
        WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(bytes), 4, cols);
        float[] row = new float[cols], pair = new float[3];
        for (int i = 0; i < 20_000; i++) {
            KernelChecks.assertDot(m.dot(0, x, 0), ref, x, 0, type + " dot, call " + i);
            // the two-row kernel matvec uses (rows far apart, so each in its own place of the output)
            m.dotPair(3, 0, x, pair, 0, 2);
            KernelChecks.assertDot(pair[0], ref3, x, 0, type + " dotPair first row, call " + i);
            KernelChecks.assertDot(pair[2], ref, x, 0, type + " dotPair second row, call " + i);
            if (i % 16 == 0) {
                m.dequantizeRow(0, row, 0);
                for (int k = 0; k < cols; k++) assertEquals(ref[k], row[k], 0f, type + " dequantizeRow, call " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void integerKernelsStayWithinTheirBoundOnceCompiled(GgmlType type) {
        Assumptions.assumeTrue(Q8Activations.ENABLED, "integer kernels off at " + Simd.bits() + " bits");
        int cols = 4 * Math.max(type.blockSize(), 64) + type.blockSize();
        Random random = new Random(8);
        byte[] bytes = RandomWeights.of(type, 4, cols, random);
        float[] x = RandomWeights.floats(cols, random);
        int rowBytes = bytes.length / 4;
        float[] ref = ReferenceDequantizer.dequantize(type, bytes, 0, cols);
        float[] ref3 = ReferenceDequantizer.dequantize(type, bytes, 3 * rowBytes, cols);
        WeightMatrix m = WeightMatrices.of(type, MemorySegment.ofArray(bytes), 4, cols);
        Q8Activations xq = new Q8Activations().quantize(x, cols);
        float[] pair = new float[3];
        for (int i = 0; i < 20_000; i++) {
            m.dotPairQ8(3, 0, xq, pair, 0, 2);
            KernelChecks.assertQuantizedDot(pair[0], ref3, x, type + " dotPairQ8 first row, call " + i);
            KernelChecks.assertQuantizedDot(pair[2], ref, x, type + " dotPairQ8 second row, call " + i);
        }
    }

    @Test
    void twoPassMicroKernelEqualsTheOnePassKernelToTheBit() {
        // the split kernel (AVX2) and the one-pass kernel (AVX-512) must give every platform the same prefill results
        Random random = new Random(12);
        int panel = MatmulKernels.PANEL;
        for (int kl : new int[] {1, 7, 64, 300}) {
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] packed = RandomWeights.floats(panel * kl + 5, random);
                int xStride = kl + 3, oStride = panel + 2;
                float[] x = RandomWeights.floats(6 * xStride + 1, random);
                float[] y0 = RandomWeights.floats(6 * oStride + 4, random), y1 = y0.clone();
                MatmulKernels.kernel6OnePass(packed, 5, kl, x, 1, xStride, y0, 4, oStride, accumulate);
                MatmulKernels.kernel6Halves(packed, 5, kl, x, 1, xStride, y1, 4, oStride, accumulate);
                assertArrayEquals(y0, y1, "kl " + kl + (accumulate ? ", accumulating" : ""));
            }
        }
    }

    @Test
    void panelKernelsMatchADoubleReferenceAndWriteOnlyTheirOutputs() {
        Random random = new Random(11);
        int panel = MatmulKernels.PANEL;
        for (int nr : new int[] {1, 7, panel - 1, panel}) {
            for (int cols : new int[] {1, 2, 7, 33}) {
                for (int n = 1; n <= 2 * MatmulKernels.TOKENS + 1; n++) {
                    float[] w = RandomWeights.floats(nr * cols, random);
                    float[] x = RandomWeights.floats(n * cols, random);
                    float[] packed = new float[panel * cols];
                    java.util.Arrays.fill(packed, Float.NaN); // padding rows must be written as zeros
                    MatmulKernels.pack(w, nr, cols, packed);
                    int stride = nr + 3, row0 = 2;
                    float[] y = new float[n * stride + 1];
                    java.util.Arrays.fill(y, -7f);
                    MatmulKernels.multiply(packed, nr, cols, x, n, y, stride, row0, new float[MatmulKernels.TOKENS * panel]);
                    for (int t = 0; t < n; t++) {
                        for (int j = 0; j < stride; j++) {
                            float got = y[t * stride + j];
                            String what = "nr " + nr + " cols " + cols + " n " + n + " token " + t + " slot " + j;
                            if (j < row0 || j >= row0 + nr) {
                                assertEquals(-7f, got, 0f, what + ": written outside the tile");
                                continue;
                            }
                            double ref = 0, abs = 0;
                            for (int k = 0; k < cols; k++) {
                                ref += (double) w[(j - row0) * cols + k] * x[t * cols + k];
                                abs += Math.abs((double) w[(j - row0) * cols + k] * x[t * cols + k]);
                            }
                            assertEquals(ref, got, 1e-6 * abs + 1e-30, what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void unsupportedTypesAreRejectedByName() {
        MemorySegment data = MemorySegment.ofArray(new byte[4096]);
        for (GgmlType t : GgmlType.values()) {
            if (t.isSupportedWeightType()) continue;
            var e = assertThrows(IllegalArgumentException.class, () -> WeightMatrices.of(t, data, 1, 256));
            assertTrue(e.getMessage().contains(t.name()), e.getMessage());
        }
    }

    @Test
    void badShapesAreRejected() {
        MemorySegment small = MemorySegment.ofArray(new byte[18 * 3]);
        var tooSmall = assertThrows(IllegalArgumentException.class, () -> WeightMatrices.of(GgmlType.Q4_0, small, 2, 64));
        assertTrue(tooSmall.getMessage().contains("Q4_0") && tooSmall.getMessage().contains("72"), tooSmall.getMessage());
        var notBlocks = assertThrows(IllegalArgumentException.class, () -> WeightMatrices.of(GgmlType.Q4_K, small, 1, 100));
        assertTrue(notBlocks.getMessage().contains("256"), notBlocks.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightMatrices.of(GgmlType.F32, small, 0, 4));
    }

    @Test
    void wrongActivationSizesAreRejected() {
        try (Arena arena = Arena.ofShared(); Parallel one = new Parallel(1)) {
            WeightMatrix m = WeightMatrices.of(GgmlType.Q8_0, arena.allocate(34 * 4), 2, 64);
            assertThrows(IllegalArgumentException.class, () -> m.matvec(new float[63], new float[2], 0, one));
            assertThrows(IllegalArgumentException.class, () -> m.matvec(new float[64], new float[2], 1, one));
            assertThrows(IllegalArgumentException.class, () -> m.matmul(new float[64 * 3], 4, new float[8], one));
            assertThrows(IllegalArgumentException.class, () -> m.matmul(new float[64 * 4], 4, new float[7], one));
        }
    }
}
