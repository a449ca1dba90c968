package io.github.compresskv.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import static io.github.compresskv.tensor.Q8Activations.B16;
import static io.github.compresskv.tensor.Q8Activations.F8;
import static io.github.compresskv.tensor.Q8Activations.S16;
import static io.github.compresskv.tensor.Simd.LE;

/**
 * Q4_0 weights re-laid out in groups of {@value #ROWS} rows with the rows in the vector lanes, for the integer decode
 * kernel and the prefill panels. Per group and block of 32 columns: the 16 rows' scales as floats, then 16 records
 * of 16 bytes, record p holding byte p of each row's block (elements p and p + 16 in its low and high nibble).
 *
 * <p>Why: in ggml's layout a block is 16 bytes of one row, so a kernel multiplies one row at a time and pays, per
 * block and row, the widening, the reduction of its lanes and a broadcast scale. With the rows in the lanes a
 * 16-byte load widens to one element of 16 rows, each activation is one broadcast multiplied into all 16, the
 * 16-bit sums of a block need no reduction across lanes, and the scales are one vector load (docs/performance.md
 * measures the kernel against the row kernel). The products are summed in 16 bits: with the offset −8 folded into
 * one correction per block, a block's sum Σ(q − 8)·x lies within ±8 · 127 · 32 = ±32 512, so the wrapping 16-bit
 * partial sums end exact.
 */
final class Q4_0RowGroups {
    static final int ROWS = 16;
    private static final int BLOCK = 32;
    private static final int SCALE_BYTES = ROWS * Float.BYTES;
    /** Bytes of one group's block: scales, then 16 records of one byte per row. */
    private static final int GROUP_BLOCK_BYTES = SCALE_BYTES + ROWS * 16;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VarHandle SCALE = MethodHandles.byteArrayViewVarHandle(float[].class, LE);

    private final MemorySegment groups;
    private final int blocks;
    private final long groupBytes;

    /** Re-lays out {@code rows} (a multiple of 16) rows of ggml Q4_0 blocks from {@code src}. */
    Q4_0RowGroups(MemorySegment src, int rows, int cols) {
        if (rows % ROWS != 0 || cols % BLOCK != 0) {
            throw new IllegalArgumentException("Q4_0 row groups need rows in 16s and columns in 32s, got " + rows + "x" + cols);
        }
        this.blocks = cols / BLOCK;
        this.groupBytes = (long) blocks * GROUP_BLOCK_BYTES;
        // native and freed with this object: the copy replaces the file's pages in the working set
        this.groups = Arena.ofAuto().allocate(groupBytes * (rows / ROWS), 64);
        // a group at a time through heap arrays: per-byte accesses to the segments cost 5-10 times more
        int rowBytes = 18 * blocks;
        byte[] in = new byte[ROWS * rowBytes], out = new byte[Math.toIntExact(groupBytes)];
        for (int g = 0; g < rows / ROWS; g++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * ROWS * rowBytes, in, 0, in.length);
            for (int lane = 0; lane < ROWS; lane++) {
                for (int b = 0; b < blocks; b++) {
                    int from = lane * rowBytes + 18 * b, to = b * GROUP_BLOCK_BYTES;
                    SCALE.set(out, to + 4 * lane, Float.float16ToFloat((short) ((in[from] & 0xFF) | in[from + 1] << 8)));
                    for (int p = 0; p < 16; p++) out[to + SCALE_BYTES + 16 * p + lane] = in[from + 2 + p];
                }
            }
            MemorySegment.copy(out, 0, groups, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
        }
    }

    /**
     * y[yOffset + r] = row r · x for the rows of groups [g0, g1), on the quantized activations: per block, each
     * record's 16 bytes widened to 16-bit lanes and split into its two elements, each multiplied by the broadcast
     * activation and summed in 16 bits; the block's sums then converted once and scaled by the rows' d_w times d_x.
     */
    void dotGroupsQ8(int g0, int g1, Q8Activations x, float[] y, int yOffset) {
        // two groups far apart at a time: two weight streams per thread reach more of DRAM's bandwidth than one
        int half = (g1 - g0) / 2;
        for (int g = g0; g < g0 + half; g++) dotGroupPairQ8(g, g + half, x, y, yOffset);
        if (((g1 - g0) & 1) != 0) dotGroupPairQ8(g1 - 1, g1 - 1, x, y, yOffset);
    }

    private void dotGroupPairQ8(int ga, int gb, Q8Activations x, float[] y, int yOffset) {
        short[] xq = x.q;
        int[] xsum = x.sum;
        float[] xd = x.d;
        long baseA = ga * groupBytes, baseB = gb * groupBytes;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long oa = baseA + (long) b * GROUP_BLOCK_BYTES, ob = baseB + (long) b * GROUP_BLOCK_BYTES;
            int xo = b * BLOCK;
            // the −8 of every weight, as one term per block: Σ(q − 8)·x = Σ q·x − 8·Σx
            ShortVector c = ShortVector.broadcast(S16, (short) (-8 * xsum[b]));
            ShortVector la = c, ha = ShortVector.zero(S16), lb = c, hb = ha;
            for (int p = 0; p < 16; p++) {
                ShortVector va = (ShortVector) ByteVector.fromMemorySegment(B16, groups, oa + SCALE_BYTES + 16L * p, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector vb = (ShortVector) ByteVector.fromMemorySegment(B16, groups, ob + SCALE_BYTES + 16L * p, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector xl = ShortVector.broadcast(S16, xq[xo + p]), xh = ShortVector.broadcast(S16, xq[xo + 16 + p]);
                la = la.add(va.and((short) 15).mul(xl));
                ha = ha.add(va.lanewise(VectorOperators.LSHR, 4).mul(xh));
                lb = lb.add(vb.and((short) 15).mul(xl));
                hb = hb.add(vb.lanewise(VectorOperators.LSHR, 4).mul(xh));
            }
            ShortVector sa = la.add(ha), sb = lb.add(hb);
            FloatVector dx = FloatVector.broadcast(F8, xd[b]);
            a0 = ((FloatVector) sa.convertShape(VectorOperators.S2I, I8, 0).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F8, groups, oa, LE).mul(dx), a0);
            a1 = ((FloatVector) sa.convertShape(VectorOperators.S2I, I8, 1).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F8, groups, oa + 32, LE).mul(dx), a1);
            b0 = ((FloatVector) sb.convertShape(VectorOperators.S2I, I8, 0).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F8, groups, ob, LE).mul(dx), b0);
            b1 = ((FloatVector) sb.convertShape(VectorOperators.S2I, I8, 1).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F8, groups, ob + 32, LE).mul(dx), b1);
        }
        int ya = yOffset + ga * ROWS, yb = yOffset + gb * ROWS;
        a0.intoArray(y, ya);
        a1.intoArray(y, ya + 8);
        b0.intoArray(y, yb);
        b1.intoArray(y, yb + 8);
    }

    /**
     * Rows [r0, r0 + nr) (r0 and nr in 16s) dequantized straight into a prefill panel: panel[k · panelRows + i] =
     * row r0 + i's element k, rows nr .. panelRows zero. The values are {@link Q4_0Matrix#dequantizeRow}'s to the bit
     * ((q − 8) · d in float), so prefill does not change.
     */
    void packPanel(int r0, int nr, int cols, float[] panel, int panelRows) {
        if (nr < panelRows) {
            for (int k = 0; k < cols; k++) Arrays.fill(panel, k * panelRows + nr, (k + 1) * panelRows, 0f);
        }
        for (int i = 0; i < nr; i += ROWS) {
            long base = ((r0 + i) / ROWS) * groupBytes;
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                FloatVector d0 = FloatVector.fromMemorySegment(F8, groups, o, LE), d1 = FloatVector.fromMemorySegment(F8, groups, o + 32, LE);
                for (int p = 0; p < 16; p++) {
                    ByteVector v = ByteVector.fromMemorySegment(B16, groups, o + SCALE_BYTES + 16L * p, LE);
                    IntVector q0 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
                    IntVector q1 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 1);
                    int low = (b * BLOCK + p) * panelRows + i, high = low + 16 * panelRows;
                    ((FloatVector) q0.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, low);
                    ((FloatVector) q1.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, low + 8);
                    ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, high);
                    ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, high + 8);
                }
            }
        }
    }
}
