package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** F16 and BF16 conversions for all 65536 bit patterns: zeros, subnormals, infinities and NaNs included. */
class HalfPrecisionTest {

    @Test
    void everyF16PatternDequantizesLikeFloat16ToFloat() {
        short[] all = allPatterns();
        float[] viaMatrix = WeightMatrices.of(GgmlType.F16, segmentOf(all), 1, all.length).toFloatArray();
        float[] viaMath = new float[all.length];
        VectorMath.fromF16(all, 0, viaMath, 0, all.length);
        float[] viaNative; // a mapped file's segment takes the vector conversion; a heap one the scalar loop
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment off = arena.allocate(all.length * 2L + 2);
            MemorySegment.copy(segmentOf(all), 0, off, 2, all.length * 2L); // at an odd (2-byte) offset, 1 row + tail
            viaNative = WeightMatrices.of(GgmlType.F16, off.asSlice(2), 1, all.length).toFloatArray();
        }
        for (int i = 0; i < all.length; i++) {
            float expected = Float.float16ToFloat(all[i]);
            assertSame(expected, viaMatrix[i], "F16 matrix", all[i]);
            assertSame(expected, viaNative[i], "F16 matrix, native segment", all[i]);
            assertSame(expected, viaMath[i], "VectorMath.fromF16", all[i]);
        }
        assertEquals(Float.POSITIVE_INFINITY, viaMatrix[0x7C00]);
        assertEquals(Float.NEGATIVE_INFINITY, viaMatrix[0xFC00]);
        assertEquals(0x80000000, Float.floatToRawIntBits(viaMatrix[0x8000])); // -0
        assertEquals(0x1p-24f, viaMatrix[0x0001]);                             // smallest subnormal
        assertEquals(65504f, viaMatrix[0x7BFF]);                               // largest finite
        assertTrue(Float.isNaN(viaMatrix[0x7E00]) && Float.isNaN(viaMatrix[0xFC01]));
    }

    @Test
    void everyBf16PatternIsTheTopHalfOfAFloat() {
        short[] all = allPatterns();
        float[] got = WeightMatrices.of(GgmlType.BF16, segmentOf(all), 1, all.length).toFloatArray();
        for (int i = 0; i < all.length; i++) {
            assertEquals(i << 16, Float.floatToRawIntBits(got[i]), "BF16 pattern " + Integer.toHexString(i));
        }
    }

    @Test
    void f16DotUsesTheConvertedValues() {
        short[] h = {Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f), 0x0001, (short) 0x8000};
        float[] x = {2f, 0.25f, 0x1p24f, 7f};
        // 3 - 0.5 + 1 + (-0 · 7)
        assertEquals(3.5f, WeightMatrices.of(GgmlType.F16, segmentOf(h), 1, 4).dot(0, x, 0), 0f);
        assertEquals(3.5f, VectorMath.dotF16(h, 0, x, 0, 4), 0f);
    }

    private static void assertSame(float expected, float got, String what, short bits) {
        String at = what + " at 0x" + Integer.toHexString(bits & 0xffff);
        if (Float.isNaN(expected)) assertTrue(Float.isNaN(got), at);
        else assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), at);
    }

    private static short[] allPatterns() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        return all;
    }

    private static MemorySegment segmentOf(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) b.putShort(v);
        return MemorySegment.ofArray(b.array());
    }
}
