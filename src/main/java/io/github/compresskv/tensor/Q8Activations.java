package io.github.compresskv.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation vector quantized once per matvec for the integer kernels of the 4- to 6-bit types: blocks of 32
 * values, each stored as q = round(x / d) in −127..127 with d = max|x| / 127 (ggml's block_q8_0), together with
 * d and d · Σq (the block's sum, for the types whose weights carry a min or an offset). The values are kept widened
 * to shorts, so that the kernels load them straight into 16-bit lanes. One per thread that starts matvecs; the
 * pool's workers only read it.
 */
final class Q8Activations {
    static final int BLOCK = 32;

    /**
     * System property: {@code false} makes the 4- to 6-bit types use their float kernels (every weight converted
     * to float, activations unquantized) for decode as well, to compare speed and accuracy with the integer path;
     * {@code true} turns the integer kernels on at 512 bits too.
     */
    static final String PROPERTY = "compresskv.integer.dot";

    /**
     * Whether matvecs of the 4- to 6-bit types run on quantized activations. The integer kernels work in 256-bit
     * vectors; by default they are on where the kernels' width is 256 bits, where they were measured faster than
     * the float kernels (AVX2, docs/performance.md). At 512 bits the float kernels have straight-line 16-lane
     * versions that the integer ones have not been measured against, so there they are on only when the property
     * says true; at 128 bits never.
     */
    static final boolean ENABLED = enabled(System.getProperty(PROPERTY), Simd.bits());

    static boolean enabled(String property, int bits) {
        if (bits < 256) return false;
        if (property == null || property.isBlank()) return bits == 256;
        return switch (property.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + " must be true or false, got '" + property + "'");
        };
    }

    /** Lane shapes the integer kernels share: a block's 16 weight bytes, widened to 16 short lanes, 8 float sums. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** 1 &lt;&lt; j in short lane j: the 5-bit kernels pick element j's fifth bit out of 16 bits of qh with it. */
    static final short[] LANE_BIT = new short[16];

    static {
        for (int j = 0; j < 16; j++) LANE_BIT[j] = (short) (1 << j);
    }
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    /** Adding 1.5 · 2^23 leaves round-to-nearest(v) in the low mantissa bits, for |v| ≤ 2^22. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    short[] q = new short[0];
    float[] d = new float[0];
    /** d · Σ q of each block. */
    float[] dsum = new float[0];
    /** Σ q of each block, and of its first 16 values. */
    int[] sum = new int[0], sumLow = new int[0];
    int cols;

    private static final ThreadLocal<Q8Activations> LOCAL = ThreadLocal.withInitial(Q8Activations::new);

    /** The calling thread's buffers. */
    static Q8Activations get() {
        return LOCAL.get();
    }

    /** Quantizes x[0 .. cols) (cols a multiple of 32) into this object's buffers, grown as needed. */
    Q8Activations quantize(float[] x, int cols) {
        if (q.length < cols) {
            q = new short[cols];
            d = new float[cols / BLOCK];
            dsum = new float[cols / BLOCK];
            sum = new int[cols / BLOCK];
            sumLow = new int[cols / BLOCK];
        }
        this.cols = cols;
        FloatVector rounder = FloatVector.broadcast(F, ROUNDER);
        for (int b = 0; b < cols / BLOCK; b++) {
            int o = b * BLOCK;
            FloatVector v0 = FloatVector.fromArray(F, x, o), v1 = FloatVector.fromArray(F, x, o + 8);
            FloatVector v2 = FloatVector.fromArray(F, x, o + 16), v3 = FloatVector.fromArray(F, x, o + 24);
            float amax = v0.abs().max(v1.abs()).max(v2.abs().max(v3.abs())).reduceLanes(VectorOperators.MAX);
            float scale = amax / 127f;
            float inv = amax == 0f ? 0f : 127f / amax;
            // round to nearest by the magic-number trick: no float-to-int rounding mode in the Vector API
            IntVector q0 = v0.fma(FloatVector.broadcast(F, inv), rounder).reinterpretAsInts().sub(ROUNDER_BITS);
            IntVector q1 = v1.fma(FloatVector.broadcast(F, inv), rounder).reinterpretAsInts().sub(ROUNDER_BITS);
            IntVector q2 = v2.fma(FloatVector.broadcast(F, inv), rounder).reinterpretAsInts().sub(ROUNDER_BITS);
            IntVector q3 = v3.fma(FloatVector.broadcast(F, inv), rounder).reinterpretAsInts().sub(ROUNDER_BITS);
            int sum = q0.add(q1).add(q2.add(q3)).reduceLanes(VectorOperators.ADD);
            ((ShortVector) q0.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, o);
            ((ShortVector) q1.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, o + 8);
            ((ShortVector) q2.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, o + 16);
            ((ShortVector) q3.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, o + 24);
            d[b] = scale;
            dsum[b] = scale * sum;
            this.sum[b] = sum;
            sumLow[b] = q0.add(q1).reduceLanes(VectorOperators.ADD);
        }
        return this;
    }
}
