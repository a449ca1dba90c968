package io.github.compresskv.cache;

/**
 * Sizes of the quantized KV layout of one head ({@link QuantizedHeadRows}) and the scalar encoding of its codes.
 *
 * <p>Codes: {@code bits} per element, unsigned u in [0, 2^bits − 1], value = offset + scale · u with a half-precision
 * scale and offset. Keys share one (scale, offset) per channel over a group of {@link #GROUP} rows (KIVI's per-channel
 * keys: a few key channels carry large magnitudes, and per channel their range stays small); values share one per row
 * and block of {@link #block()} channels (per token). 8-bit codes are stored as u − 128 in a signed byte.
 *
 * <p>Value codes lie row by row, in blocks of {@code block} channels: 8-bit in channel order; 4-bit with channel i of a
 * block in the low nibble of byte i and channel i + block/2 in the high nibble (one byte load yields two runs of
 * consecutive channels). Key codes lie group by group ({@link #GROUP} rows × {@link #rowBytes()} bytes each) and inside a
 * group channel by channel, {@link #keyChannelBytes()} bytes per channel, as KIVI packs keys along the tokens: 8-bit
 * in row order; 4-bit with row i of the group in the low nibble of byte i and row i + GROUP/2 in the high nibble. One
 * load then gives one channel of many rows, so decode scores rows in vector lanes (one lane per row) with no
 * reduction across lanes per row.
 *
 * <p>The offset is rounded down and the scale up to half precision, so every element of the range gets a code
 * within [0, 2^bits − 1] (rounding the offset to nearest could push a channel with a large offset and a small range
 * outside its codes).
 */
record QuantLayout(int bits, int headDim, int block) {
    /** Rows per key group: keys are quantized per channel over this many consecutive rows. */
    static final int GROUP = 32;
    /** Channels per value block (fewer when the head is smaller). */
    static final int VALUE_BLOCK = 32;

    static QuantLayout of(KvStorage storage, int headDim) {
        if (!storage.quantized()) throw new IllegalArgumentException(storage + " is not a quantized KV type");
        if (headDim % 2 != 0 || (headDim > VALUE_BLOCK && headDim % VALUE_BLOCK != 0)) {
            throw new IllegalArgumentException("--kv-type " + storage.name().toLowerCase(java.util.Locale.ROOT) + " needs an even head size"
                    + " of at most " + VALUE_BLOCK + " or a multiple of " + VALUE_BLOCK + "; this model's is " + headDim + " (use f16)");
        }
        return new QuantLayout(storage.bits(), headDim, Math.min(headDim, VALUE_BLOCK));
    }

    /** Code bytes of one key or value row. */
    int rowBytes() { return headDim * bits / 8; }

    /** Value blocks per row. */
    int blocks() { return headDim / block; }

    /** Largest code. */
    int maxCode() { return (1 << bits) - 1; }

    /** Bytes of one quantized row: key and value codes plus the value blocks' scales and offsets. */
    int quantRowBytes() { return 2 * rowBytes() + blocks() * 4; }

    /** Bytes of one key group's per-channel scales and offsets. */
    int groupParamBytes() { return headDim * 4; }

    /** Bytes of one half-precision residual row (key and value). */
    int residualRowBytes() { return headDim * 4; }

    /** Offset of 8-bit codes: stored byte = u − 128. */
    static final int Q8_BIAS = 128;

    /**
     * Chooses the (scale, offset) of the range [lo, hi] and writes them as half-precision bits to
     * {@code params[scaleAt]} and {@code params[offsetAt]}. Fails on values past half precision's range.
     */
    void encodeParams(float lo, float hi, short[] params, int scaleAt, int offsetAt) {
        if (!(Math.abs(lo) <= 65504f) || !(Math.abs(hi) <= 65504f)) {
            throw new IllegalArgumentException("KV value " + (Math.abs(lo) > Math.abs(hi) ? lo : hi) + " is out of the half-precision range of a quantized cache (use --kv-type f32)");
        }
        short offset = f16AtMost(lo);
        float o = Float.float16ToFloat(offset);
        short scale = f16AtLeast((hi - o) / maxCode());
        params[scaleAt] = scale;
        params[offsetAt] = offset;
    }

    /** The code of x under (scale, offset), rounded to nearest and clamped. */
    int code(float x, float scale, float offset) {
        if (scale == 0f) return 0;
        int u = Math.round((x - offset) / scale);
        return Math.max(0, Math.min(maxCode(), u));
    }

    /** Bytes of one channel's codes in one key group. */
    int keyChannelBytes() { return GROUP * bits / 8; }

    /** Writes key code u of channel c of row {@code row} (group-major, channel-major inside a group). */
    void putKey(byte[] codes, int row, int c, int u) {
        int at = keyAt(row, c), i = row % GROUP;
        if (bits == 8) codes[at] = (byte) (u - Q8_BIAS);
        else codes[at] = (byte) (i < GROUP / 2 ? (codes[at] & 0xF0) | u : (codes[at] & 0x0F) | (u << 4));
    }

    /** Key code u of channel c of row {@code row}. */
    int getKey(byte[] codes, int row, int c) {
        int v = codes[keyAt(row, c)];
        if (bits == 8) return v + Q8_BIAS;
        return row % GROUP < GROUP / 2 ? v & 0xF : (v >>> 4) & 0xF;
    }

    private int keyAt(int row, int c) {
        int i = row % GROUP;
        return (row / GROUP) * GROUP * rowBytes() + c * keyChannelBytes() + (bits == 8 ? i : i % (GROUP / 2));
    }

    /** Writes value code u of channel c into the row whose codes start at {@code rowAt}. */
    void put(byte[] codes, int rowAt, int c, int u) {
        if (bits == 8) {
            codes[rowAt + c] = (byte) (u - Q8_BIAS);
            return;
        }
        int b = c / block, i = c % block, half = block / 2;
        int at = rowAt + b * half + (i % half);
        codes[at] = (byte) (i < half ? (codes[at] & 0xF0) | u : (codes[at] & 0x0F) | (u << 4));
    }

    /** Value code u of channel c of the row whose codes start at {@code rowAt}. */
    int get(byte[] codes, int rowAt, int c) {
        if (bits == 8) return codes[rowAt + c] + Q8_BIAS;
        int b = c / block, i = c % block, half = block / 2;
        int v = codes[rowAt + b * half + (i % half)];
        return i < half ? v & 0xF : (v >>> 4) & 0xF;
    }

    /** The largest half-precision value ≤ x (x finite and within range). */
    static short f16AtMost(float x) {
        short h = Float.floatToFloat16(x);
        while (Float.float16ToFloat(h) > x) h = (h & 0x8000) == 0 ? (h == 0 ? (short) 0x8001 : (short) (h - 1)) : (short) (h + 1);
        return h;
    }

    /** The smallest half-precision value ≥ x (x ≥ 0, within range). */
    static short f16AtLeast(float x) {
        short h = Float.floatToFloat16(x);
        while (Float.float16ToFloat(h) < x) h = (h & 0x8000) != 0 ? (h == (short) 0x8000 ? (short) 1 : (short) (h - 1)) : (short) (h + 1);
        return h;
    }
}
