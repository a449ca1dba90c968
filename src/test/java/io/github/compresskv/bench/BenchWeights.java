package io.github.compresskv.bench;

import io.github.compresskv.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random off-heap weights of any supported type for the benchmarks: random bits, sane block scales. */
public final class BenchWeights {
    private BenchWeights() {}

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code bytes} of {@code type} blocks in {@code arena} (a whole number of blocks). */
    static MemorySegment random(GgmlType type, long bytes, Arena arena, long seed) {
        MemorySegment s = arena.allocate(bytes, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long o = 0; o + 8 <= bytes; o += 8) s.set(ValueLayout.JAVA_LONG_UNALIGNED, o, r.nextLong());
        switch (type) {
            case F32 -> { for (long o = 0; o < bytes; o += 4) s.set(FLOAT, o, (float) r.nextDouble(-1, 1)); }
            case F16 -> { for (long o = 0; o < bytes; o += 2) s.set(HALF, o, Float.floatToFloat16((float) r.nextDouble(-1, 1))); }
            case BF16 -> { for (long o = 0; o < bytes; o += 2) s.set(HALF, o, (short) (Float.floatToIntBits((float) r.nextDouble(-1, 1)) >>> 16)); }
            default -> {
                int ts = type.typeSize();
                for (long o = 0; o + ts <= bytes; o += ts) {
                    switch (type) {
                        case Q8_0, Q4_0, Q5_0 -> s.set(HALF, o, half(r));
                        case Q4_1, Q5_1, Q4_K, Q5_K -> { s.set(HALF, o, half(r)); s.set(HALF, o + 2, half(r)); }
                        case Q6_K -> s.set(HALF, o + 208, half(r));
                        default -> throw new IllegalArgumentException("no benchmark data for " + type);
                    }
                }
            }
        }
        return s;
    }

    public static float[] floats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    private static short half(SplittableRandom r) {
        return Float.floatToFloat16((float) r.nextDouble(1e-3, 1e-1));
    }

    /** "ROWSxCOLS" → {rows, cols}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
