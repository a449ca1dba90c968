package io.github.compresskv.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * The block-by-block checks of one weight type against {@link ReferenceDequantizer}, shared by the
 * JUnit tests (this JVM's vector width) and {@link KernelCrossCheck} (other widths, child JVMs).
 */
final class KernelChecks {
    private KernelChecks() {}

    /** Tolerance of float dots: relative to Σ|w·x| (the scale of the rounding error, robust to cancellation). */
    static final double DOT_TOLERANCE = 1e-5;

    /** Where the test bytes live: native memory, a heap byte[], or at an odd offset inside a bigger segment. */
    enum Placement { NATIVE, HEAP, UNALIGNED }

    /** Columns for a type: 2 or 3 blocks (F32/F16/BF16: lengths that leave a scalar tail too). */
    static int[] colsFor(GgmlType type) {
        return type.blockSize() == 1 ? new int[] {37, 64, 100} : new int[] {2 * type.blockSize(), 3 * type.blockSize(), 9 * type.blockSize()};
    }

    /** Checks dequantizeRow (exact), dot, matvec and matmul of one random matrix. */
    static void check(GgmlType type, int rows, int cols, long seed, Placement placement, Parallel pool) {
        Random random = new Random(seed);
        byte[] bytes = RandomWeights.of(type, rows, cols, random);
        try (Arena arena = Arena.ofShared()) { // the pool's threads read it
            MemorySegment segment = place(bytes, placement, arena);
            WeightMatrix m = WeightMatrices.of(type, segment, rows, cols);
            String what = type + " " + rows + "x" + cols + " " + placement + " seed " + seed + " (" + Simd.bits() + "-bit)";
            check(m.type() == type && m.rows() == rows && m.cols() == cols, what + ": shape");
            check(m.byteSize() == bytes.length, what + ": byteSize " + m.byteSize() + " != " + bytes.length);

            int rowBytes = bytes.length / rows;
            float[][] reference = new float[rows][];
            for (int r = 0; r < rows; r++) {
                reference[r] = ReferenceDequantizer.dequantize(type, bytes, r * rowBytes, cols);
                float[] got = new float[cols + 3];
                m.dequantizeRow(r, got, 3);
                for (int i = 0; i < cols; i++) {
                    if (Float.floatToIntBits(got[3 + i]) != Float.floatToIntBits(reference[r][i])) {
                        throw new AssertionError(what + ": row " + r + " element " + i + " (block " + i / type.blockSize()
                                + ") dequantized to " + got[3 + i] + ", reference " + reference[r][i]);
                    }
                }
            }
            float[] all = m.toFloatArray();
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < cols; i++) {
                    check(Float.floatToIntBits(all[r * cols + i]) == Float.floatToIntBits(reference[r][i]), what + ": toFloatArray");
                }
            }

            // dot at an offset into x, then matvec and matmul against dot
            int n = 13;
            float[] x = RandomWeights.floats(n * cols + 5, random);
            float[] dots = new float[n * rows];
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    float got = m.dot(r, x, t * cols);
                    assertDot(got, reference[r], x, t * cols, what + ": dot row " + r + " token " + t);
                    dots[t * rows + r] = got;
                }
            }
            float[] y = new float[rows + 2];
            m.matvec(x, y, 2, pool);
            for (int r = 0; r < rows; r++) {
                // same kernel as dot, but not always the same bits: until C2 has compiled it, the interpreter and C1
                // sum the vector lanes in another order (docs/performance.md); so both are held to the reference
                if (Q8Activations.ENABLED && m.integerDot()) {
                    assertQuantizedDot(y[2 + r], reference[r], x, what + ": integer matvec row " + r + " (dot " + dots[r] + ")");
                } else {
                    assertDot(y[2 + r], reference[r], x, 0, what + ": matvec row " + r + " (dot " + dots[r] + ")");
                }
            }
            for (int tokens : new int[] {1, 3, 4, 5, 6, 9, 13}) {
                float[] out = new float[tokens * rows];
                m.matmul(x, tokens, out, pool);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        assertDot(out[t * rows + r], reference[r], x, t * cols,
                                what + ": matmul n=" + tokens + " row " + r + " token " + t + " (dot " + dots[t * rows + r] + ")");
                    }
                }
            }
        }
    }

    static MemorySegment place(byte[] bytes, Placement placement, Arena arena) {
        return switch (placement) {
            case HEAP -> MemorySegment.ofArray(bytes);
            case NATIVE -> arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
            case UNALIGNED -> arena.allocate(bytes.length + 11, 64).asSlice(3, bytes.length + 1)
                    .copyFrom(MemorySegment.ofArray(bytes)).asSlice(0, bytes.length + 1);
        };
    }

    /** |got − Σ w·x| ≤ tolerance · Σ|w·x| (reference summed in double). */
    static void assertDot(float got, float[] w, float[] x, int xOffset, String what) {
        double exact = 0, magnitude = 0;
        for (int i = 0; i < w.length; i++) {
            double p = (double) w[i] * x[xOffset + i];
            exact += p;
            magnitude += Math.abs(p);
        }
        if (!(Math.abs(got - exact) <= DOT_TOLERANCE * magnitude + 1e-30)) {
            throw new AssertionError(what + ": got " + got + ", reference " + exact + " (Σ|w·x| = " + magnitude + ")");
        }
    }

    /**
     * The integer kernels' bound: x is rounded to d · q with d = max|x| / 127 per block of 32, so |x − d·q| ≤ d / 2
     * and |got − Σ w·x| ≤ Σ |w| · d / 2 (plus float rounding, taken as {@link #DOT_TOLERANCE} of Σ|w·x| and of the
     * bound itself).
     */
    static void assertQuantizedDot(float got, float[] w, float[] x, String what) {
        double exact = 0, magnitude = 0, bound = 0;
        for (int b = 0; b < w.length; b += Q8Activations.BLOCK) {
            double amax = 0;
            for (int i = b; i < b + Q8Activations.BLOCK; i++) amax = Math.max(amax, Math.abs(x[i]));
            for (int i = b; i < b + Q8Activations.BLOCK; i++) {
                double p = (double) w[i] * x[i];
                exact += p;
                magnitude += Math.abs(p);
                bound += Math.abs(w[i]) * amax / 127 / 2;
            }
        }
        if (!(Math.abs(got - exact) <= bound * (1 + DOT_TOLERANCE) + DOT_TOLERANCE * magnitude + 1e-30)) {
            throw new AssertionError(what + ": got " + got + ", reference " + exact + " (bound " + bound + ", Σ|w·x| = " + magnitude + ")");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
