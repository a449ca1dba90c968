package io.github.compresskv.cache;

/**
 * Element type of the keys and values stored in a {@link KvCache}. The float types store every row as it comes; the
 * quantized types ({@link #Q8}, {@link #Q4}) store keys per channel over groups of {@value QuantLayout#GROUP} rows and
 * values per row, with the rows not yet in a complete group kept in half precision (layout and rationale:
 * {@link QuantizedHeadRows}, docs/compression.md).
 */
public enum KvStorage {
    /** 32-bit floats: exact copies of the forward pass's keys and values. */
    F32(32),
    /** IEEE half precision (round to nearest even): half the memory, about 3 significant decimal digits. */
    F16(16),
    /** 8-bit codes with a half-precision scale and offset per key channel group and per value block. */
    Q8(8),
    /** 4-bit codes with a half-precision scale and offset per key channel group and per value block. */
    Q4(4);

    private final int bits;

    KvStorage(int bits) { this.bits = bits; }

    /** Bits of one stored element (codes only for the quantized types). */
    public int bits() { return bits; }

    /** Whether rows are stored as codes with scales (Q8, Q4). */
    public boolean quantized() { return this == Q8 || this == Q4; }

    /** Bytes of one stored element of a float type; fails for the quantized types (use {@link #bytesFor}). */
    public int bytesPerValue() {
        if (quantized()) throw new UnsupportedOperationException(this + " has no whole number of bytes per value; use bytesFor");
        return bits / 8;
    }

    /**
     * Bytes of one element while a prefill's rows are held before they are quantized: the float types' own size, half
     * precision for the quantized types (scoring reads exact keys, so rows stay in half precision until sealed). This is
     * what a prefill's peak memory is made of.
     */
    public int stagedBytesPerValue() { return quantized() ? F16.bytesPerValue() : bytesPerValue(); }

    /**
     * Exact stored bytes of {@code rows} rows (key and value) of one KV head of {@code headDim} channels, once the
     * rows that complete a group are quantized: codes, scales and offsets of the complete groups plus the half-precision
     * residual of the last {@code rows mod GROUP} rows. For the float types rows × headDim × 2 × bytes per value.
     */
    public long bytesFor(long rows, int headDim) {
        if (!quantized()) return rows * headDim * 2 * (bits / 8);
        QuantLayout q = QuantLayout.of(this, headDim);
        long groups = rows / QuantLayout.GROUP, residual = rows % QuantLayout.GROUP;
        return groups * QuantLayout.GROUP * q.quantRowBytes() + groups * q.groupParamBytes() + residual * q.residualRowBytes();
    }

    /** Bytes per token and KV head in the steady state (complete groups), for reports: bytesFor(GROUP) / GROUP. */
    public double bytesPerToken(int headDim) {
        return (double) bytesFor(QuantLayout.GROUP, headDim) / QuantLayout.GROUP;
    }
}
