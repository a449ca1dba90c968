package io.github.compresskv.tensor;

/**
 * Runs {@link KernelChecks} for every weight type and the quantized KV cache's kernels in this JVM (started by
 * {@link OtherVectorWidthsTest} with another {@code compresskv.vector.bits}); prints the width and exits 1 on the
 * first mismatch.
 */
public final class KernelCrossCheck {
    private KernelCrossCheck() {}

    public static void main(String[] args) {
        try (Parallel pool = new Parallel(2)) {
            long seed = 77;
            for (GgmlType type : GgmlType.values()) {
                if (!type.isSupportedWeightType()) continue;
                for (int cols : KernelChecks.colsFor(type)) {
                    KernelChecks.check(type, 3, cols, seed++, KernelChecks.Placement.UNALIGNED, pool);
                    KernelChecks.check(type, 9, cols, seed++, KernelChecks.Placement.NATIVE, pool);
                }
            }
            io.github.compresskv.cache.QuantizedRowsCrossCheck.check(); // the quantized KV cache's kernels at this width
            float[] a = RandomWeights.floats(37, new java.util.Random(1));
            short[] h = new short[37];
            VectorMath.toF16(a, 0, h, 0, 37);
            float[] back = new float[37];
            VectorMath.fromF16(h, 0, back, 0, 37);
            for (int i = 0; i < 37; i++) {
                if (back[i] != Float.float16ToFloat(h[i])) throw new AssertionError("fromF16 element " + i);
            }
        } catch (AssertionError | RuntimeException e) {
            System.out.println("FAILED at " + Simd.bits() + " bits: " + e);
            System.exit(1);
        }
        System.out.println("ok " + Simd.bits() + " bits");
    }
}
