package io.github.compresskv.tensor;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.github.compresskv.tensor.Simd.LE;

/**
 * A block-quantized matrix re-laid out in groups of {@value #ROWS} rows with the rows in the vector lanes, for the
 * integer decode kernel and the prefill panels of its type. Per group and block of 32 columns: the 16 rows' scales as
 * the file's F16 bits (so that the groups take the file's bytes, no more), then 16 records of 16 bytes, record p
 * holding byte p of each row's nibbles (elements p and p + 16 in its low and high nibble), then what the type adds
 * (Q5_0: its fifth bits).
 *
 * <p>Why: in ggml's layout a block is one row's, so a kernel multiplies one row at a time and pays, per block and
 * row, the widening, the reduction of its lanes and a broadcast scale. With the rows in the lanes a 16-byte load
 * widens to one element of 16 rows, each activation is one broadcast multiplied into all 16, the 16-bit sums of a
 * block need no reduction across lanes, and the scales are one vector load (docs/performance.md measures it).
 *
 * <p>A matrix builds its groups on its first product ({@link WeightMatrix#prepareKernels}); decode and prefill then
 * read only them.
 */
abstract class RowGroups {
    static final int ROWS = 16;
    static final int BLOCK = 32;
    static final int SCALE_BYTES = ROWS * Short.BYTES;
    /**
     * An F16 scale to float in the vector lanes (the Vector API has no such conversion): the half's bits, sign-extended
     * to 32 bits and shifted left by 13, masked to the sign and the half's exponent and mantissa, read as a float, are
     * the half's value times 2^-112 (normal and subnormal halves alike); times {@link #F16_RESCALE} it is exact.
     * Infinite or NaN scales do not convert so; a matrix that has one keeps the row kernels ({@link #finiteScales}).
     * The decode kernels write the conversion out (a helper returning a vector is not inlined into them, and its
     * vectors are boxed: 1.7× slower); the prefill panels take it from {@link #scalesInto}.
     */
    static final int F16_SHIFT = 13, F16_MASK = 0x8FFF_E000;
    static final float F16_RESCALE = 0x1p112f;
    static final int NIBBLE_BYTES = ROWS * 16;
    /** 8 rows' scales as F16 bits, and as 32-bit lanes. */
    static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    /**
     * System property: {@code false} keeps the weights in ggml's layout and on the row kernels (to compare speed);
     * read when a matrix first computes.
     */
    static final String PROPERTY = "compresskv.row.groups";
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "").strip());
    static final VarHandle SHORT_IN_BYTES = MethodHandles.byteArrayViewVarHandle(short[].class, LE);

    final MemorySegment groups;
    final int blocks;
    /** Bytes of one group's block and of one group. */
    final int groupBlockBytes;
    final long groupBytes;
    /** False when a scale is infinite or NaN: the lanes' conversion does not give those, so the groups must not be used. */
    final boolean finiteScales;

    /**
     * Copies {@code rows} (a multiple of 16) rows of {@code blockBytes}-byte ggml blocks from {@code src}, a group at a
     * time through heap arrays (per-byte accesses to the segments cost 5-10 times more), {@link #relayBlock} writing
     * each row's block.
     */
    RowGroups(MemorySegment src, int rows, int cols, int blockBytes, int groupBlockBytes) {
        if (rows % ROWS != 0 || cols % BLOCK != 0) {
            throw new IllegalArgumentException("row groups need rows in 16s and columns in 32s, got " + rows + "x" + cols);
        }
        this.blocks = cols / BLOCK;
        this.groupBlockBytes = groupBlockBytes;
        this.groupBytes = (long) blocks * groupBlockBytes;
        // native and freed with this object: the copy replaces the file's pages in the working set
        this.groups = Arena.ofAuto().allocate(groupBytes * (rows / ROWS), 64);
        int rowBytes = blockBytes * blocks;
        byte[] in = new byte[ROWS * rowBytes], out = new byte[Math.toIntExact(groupBytes)];
        boolean finite = true;
        for (int g = 0; g < rows / ROWS; g++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, in, 0, in.length);
            for (int lane = 0; lane < ROWS; lane++) {
                for (int b = 0; b < blocks; b++) {
                    int from = lane * rowBytes + blockBytes * b;
                    finite &= (in[from + 1] & 0x7C) != 0x7C; // an F16 exponent of all ones: infinite or NaN
                    relayBlock(in, from, out, b * groupBlockBytes, lane);
                }
            }
            MemorySegment.copy(out, 0, groups, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
        }
        this.finiteScales = finite;
    }

    /** Writes the ggml block at in[from] as row {@code lane} of the group block at out[to]. */
    abstract void relayBlock(byte[] in, int from, byte[] out, int to, int lane);

    /** The scale (the F16 at in[from]) and the 16 nibble bytes (at in[nibbles]) of a block, into lane {@code lane}. */
    static void relayScaleAndNibbles(byte[] in, int from, int nibbles, byte[] out, int to, int lane) {
        out[to + 2 * lane] = in[from];
        out[to + 2 * lane + 1] = in[from + 1];
        for (int p = 0; p < 16; p++) out[to + SCALE_BYTES + 16 * p + lane] = in[nibbles + p];
    }

    /**
     * y[yOffset + r] = row r · x for the rows of groups [g0, g1), on the quantized activations; two groups far apart
     * at a time: two weight streams per thread reach more of DRAM's bandwidth than one (without this pairing the
     * kernel's gain did not carry to two threads).
     */
    final void dotGroupsQ8(int g0, int g1, Q8Activations x, float[] y, int yOffset) {
        int half = (g1 - g0) / 2;
        for (int g = g0; g < g0 + half; g++) dotGroupPairQ8(g, g + half, x, y, yOffset);
        if (((g1 - g0) & 1) != 0) dotGroupPairQ8(g1 - 1, g1 - 1, x, y, yOffset);
    }

    /** Groups {@code ga} and {@code gb} (may be equal) · x into y[yOffset + 16 ga ..] and y[yOffset + 16 gb ..]. */
    abstract void dotGroupPairQ8(int ga, int gb, Q8Activations x, float[] y, int yOffset);

    /**
     * Rows [r0, r0 + nr) (r0 and nr in 16s) dequantized straight into a prefill panel: panel[k · panelRows + i] =
     * row r0 + i's element k, rows nr .. panelRows zero; the values are the type's {@code dequantizeRow}'s to the bit.
     */
    final void packPanel(int r0, int nr, int cols, float[] panel, int panelRows) {
        if (nr < panelRows) {
            for (int k = 0; k < cols; k++) java.util.Arrays.fill(panel, k * panelRows + nr, (k + 1) * panelRows, 0f);
        }
        float[] scales = new float[ROWS];
        for (int i = 0; i < nr; i += ROWS) {
            long base = ((r0 + i) / ROWS) * groupBytes;
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * groupBlockBytes;
                scalesInto(o, scales);
                packBlock(o, scales, panel, b * BLOCK * panelRows + i, panelRows);
            }
        }
    }

    /** The 16 rows' scales of the group block at {@code o} as floats, converted in the lanes as the decode kernels do. */
    final void scalesInto(long o, float[] scales) {
        for (int h = 0; h < 2; h++) {
            ((IntVector) ShortVector.fromMemorySegment(S8, groups, o + 16L * h, LE).convertShape(VectorOperators.S2I, I8, 0))
                    .lanewise(VectorOperators.LSHL, F16_SHIFT).and(F16_MASK).reinterpretAsFloats().mul(F16_RESCALE)
                    .intoArray(scales, 8 * h);
        }
    }

    /**
     * The 16 rows × 32 elements of the group block at {@code o}, whose scales are {@code scales}, into the panel from
     * panel[at] (element k at + k · panelRows).
     */
    abstract void packBlock(long o, float[] scales, float[] panel, int at, int panelRows);
}
