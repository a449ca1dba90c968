package io.github.compresskv.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The vector species every kernel uses, chosen once per JVM: the CPU's preferred float width
 * (clamped to 128..512 bits), or the {@value #BITS_PROPERTY} system property (128, 256 or 512).
 * The species are static finals so that C2 sees them as constants and intrinsifies the kernels.
 *
 * <p>Kernel rules learned the hard way (each cost 2-50× when broken): no helper methods that take
 * or return vectors (C2 may decline to inline a helper that it already compiled on its own, and
 * then every vector is boxed); constant trip counts for inner loops over blocks; kernels small
 * enough to stay under C2's inlining node budget. Past that budget C2 still inlines the Vector API's and FFM's
 * {@code @ForceInline} methods but no others: a small helper such as {@code WeightMatrix.half} stays a real call
 * (with its bounds and liveness checks) in every block, so big kernels read their scales inline.
 */
public final class Simd {
    private Simd() {}

    /** System property that overrides the vector width in bits: 128, 256 or 512. */
    public static final String BITS_PROPERTY = "compresskv.vector.bits";

    /** Float lanes of one kernel vector. */
    static final VectorSpecies<Float> F;
    /** Int lanes, same count as {@link #F} (for bit manipulation of floats). */
    static final VectorSpecies<Integer> I;
    /** Short lanes, same count as {@link #F} (F16 / BF16 loads). */
    static final VectorSpecies<Short> S;
    /** Byte lanes of one quant load: as many as F has lanes, but at least 8 (the smallest byte species). */
    static final VectorSpecies<Byte> B;
    /** Float lanes per vector. */
    static final int L;
    /** Bytes per quant load. */
    static final int BL;
    /** Float vectors per quant load: 1, or 2 for 128-bit floats (8 bytes → 2 × 4 floats). */
    static final int PARTS;
    /** Byte lanes for unpacking quants byte-wise (K-quant decoding): 32, or 16 at 128 bits. */
    static final VectorSpecies<Byte> WIDE_BYTES;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    static {
        int bits = chooseBits(System.getProperty(BITS_PROPERTY), FloatVector.SPECIES_PREFERRED.vectorBitSize());
        F = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        I = VectorSpecies.of(int.class, VectorShape.forBitSize(bits));
        S = VectorSpecies.of(short.class, VectorShape.forBitSize(bits / 2));
        L = F.length();
        BL = Math.max(8, L);
        B = VectorSpecies.of(byte.class, VectorShape.forBitSize(BL * 8));
        PARTS = BL / L;
        WIDE_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.min(bits, 256)));
    }

    /** The vector width in bits the kernels use. */
    public static int bits() { return F.vectorBitSize(); }

    /** Float lanes per vector. */
    public static int floatLanes() { return L; }

    /**
     * The width to use: the property when set (must be 128, 256 or 512), else the widest of those
     * that does not exceed the CPU's preferred width.
     */
    static int chooseBits(String property, int preferredBits) {
        if (property != null && !property.isBlank()) {
            String p = property.strip();
            return switch (p) {
                case "128", "256", "512" -> Integer.parseInt(p);
                default -> throw new IllegalArgumentException(
                        "system property " + BITS_PROPERTY + " must be 128, 256 or 512, got '" + property + "'");
            };
        }
        if (preferredBits >= 512) return 512;
        if (preferredBits >= 256) return 256;
        return 128;
    }
}
