package io.github.compresskv.cache;

import io.github.compresskv.tensor.MatmulKernels;
import io.github.compresskv.tensor.VectorMath;

import java.util.Arrays;

/**
 * Head rows as 8- or 4-bit codes in a KIVI-style layout ({@link QuantLayout}): keys quantized per channel over groups
 * of {@value QuantLayout#GROUP} consecutive rows, values per row; the rows after the last complete group (the newest)
 * wait in half precision, the residual, and are quantized when their group fills.
 *
 * <p>Staging: while the cache stages ({@link KvCache#stage}, set by every prefill), no group is quantized: the
 * prompt's attention and the compression's scores read the rows in half precision, and eviction picks from them
 * before anything is rounded to codes. {@link KvCache#seal} quantizes every complete group and trims the residual
 * (done after a compression, at the end of a plain prefill, and by the first decode step).
 *
 * <p>Eviction of rows that are already codes (decode-time compression, truncation): leading groups kept whole stay
 * as they are; the kept rows of the groups after the first broken one are decoded to half precision and quantized
 * again in new groups (a second rounding for those keys; values, quantized per row, come back to the same codes up
 * to half-precision rounding).
 *
 * <p>Forks share the codes: a copy references the same code and scale arrays (they are only ever appended to), and
 * whichever side quantizes a new group first copies them.
 */
final class QuantizedHeadRows extends HeadRows {
    private static final int GROUP = QuantLayout.GROUP;

    private final QuantLayout lay;
    private final KvStorage storage;
    private byte[] keyCodes = new byte[0], valueCodes = new byte[0];
    /** Per key group: headDim scales then headDim offsets (half-precision bits). */
    private short[] keyParams = new short[0];
    /** Per row: (scale, offset) of each value block (half-precision bits). */
    private short[] valueParams = new short[0];
    /** Rows [0, quantRows) are codes; always a multiple of GROUP. */
    private int quantRows;
    /** Rows [quantRows, size) in half precision, row (r − quantRows) at (r − quantRows) · headDim. */
    private short[] tailKeys, tailValues;
    private boolean staging;
    /** The code arrays are shared with a fork: copy them before writing. */
    private boolean shared;

    QuantizedHeadRows(KvStorage storage, int headDim, int capacity) {
        super(headDim, capacity);
        this.storage = storage;
        this.lay = QuantLayout.of(storage, headDim);
        int tail = Math.min(capacity, GROUP);
        tailKeys = new short[tail * headDim];
        tailValues = new short[tail * headDim];
    }

    @Override
    public KvStorage storage() { return storage; }

    /** Rows stored as codes (the rest are the half-precision residual). */
    int quantizedRows() { return quantRows; }

    /** The key codes as stored (for the scalar cross-checks of the kernels). */
    byte[] keyCodesForCheck() { return keyCodes; }

    /** The key groups' scales and offsets as stored (for the scalar cross-checks of the kernels). */
    short[] keyParamsForCheck() { return keyParams; }

    @Override
    public long bytes() {
        return (long) quantRows * lay.quantRowBytes() + (long) (quantRows / GROUP) * lay.groupParamBytes()
                + (long) (size - quantRows) * lay.residualRowBytes();
    }

    @Override
    public long sealedBytes() { return storage.bytesFor(size, headDim); }

    @Override
    public long allocatedBytes() {
        return keyCodes.length + valueCodes.length + 2L * (keyParams.length + valueParams.length + tailKeys.length + tailValues.length);
    }

    @Override
    public HeadRows copy() {
        QuantizedHeadRows c = new QuantizedHeadRows(storage, headDim, 0);
        c.keyCodes = keyCodes;
        c.valueCodes = valueCodes;
        c.keyParams = keyParams;
        c.valueParams = valueParams;
        c.quantRows = quantRows;
        c.shared = shared = true;
        c.tailKeys = Arrays.copyOf(tailKeys, (size - quantRows) * headDim);
        c.tailValues = Arrays.copyOf(tailValues, (size - quantRows) * headDim);
        c.staging = staging;
        copyPositionsInto(c);
        return c;
    }

    /** Whether this copy and {@code other} read the same code arrays (forks before either quantized a new group). */
    boolean sharesCodesWith(QuantizedHeadRows other) { return keyCodes == other.keyCodes && keyCodes.length > 0; }

    @Override
    public void readKeys(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        int q = Math.min(to, quantRows);
        if (from < q) QuantKernels.dequantizeKeys(lay, keyCodes, keyParams, from, q, dst, off);
        int t = Math.max(from, quantRows);
        if (t < to) VectorMath.fromF16(tailKeys, (t - quantRows) * headDim, dst, off + (t - from) * headDim, (to - t) * headDim);
    }

    @Override
    public void readValues(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        int q = Math.min(to, quantRows);
        if (from < q) QuantKernels.dequantizeValues(lay, valueCodes, valueParams, from, q, dst, off);
        int t = Math.max(from, quantRows);
        if (t < to) VectorMath.fromF16(tailValues, (t - quantRows) * headDim, dst, off + (t - from) * headDim, (to - t) * headDim);
    }

    @Override
    public void readKeyPanels(int from, int n, float[] panels, float[] rows) {
        // whole panels of whole groups straight from the channel-major codes; the rest (residual, a short end) via rows
        int panel = MatmulKernels.PANEL, span = Math.max(panel, GROUP);
        int direct = from % span == 0 ? Math.max(0, Math.min(from + n, quantRows) - from) / span * span : 0;
        if (direct > 0) QuantKernels.keyPanels(lay, keyCodes, keyParams, from, direct, panels);
        if (direct < n) {
            readKeys(from + direct, from + n, rows, 0);
            packPanels(rows, n - direct, panels, direct / panel);
        }
    }

    @Override
    public void keyScores(float[] q, int qOff, float scale, int rows, float[] out, int outOff) {
        int quant = Math.min(rows, quantRows);
        QuantKernels.keyScores(lay, keyCodes, keyParams, quant, q, qOff, scale, out, outOff);
        for (int r = quant; r < rows; r++) {
            out[outOff + r] = scale * VectorMath.dotF16(tailKeys, (r - quantRows) * headDim, q, qOff, headDim);
        }
    }

    @Override
    public void accumulateValues(float[] weights, int wOff, int rows, float[] out, int outOff) {
        int quant = Math.min(rows, quantRows);
        QuantKernels.weightedValues(lay, valueCodes, valueParams, weights, wOff, quant, out, outOff);
        if (rows > quant) VectorMath.weightedRowSumF16(weights, wOff + quant, rows - quant, tailValues, headDim, out, outOff, headDim);
    }

    @Override
    public void groupKeyScores(float[] q, int qOff, int queries, float scale, int rows, float[] out, int outStride, float[] tile) {
        int quant = Math.min(rows, quantRows);
        QuantKernels.groupKeyScores(lay, keyCodes, keyParams, quant, q, qOff, queries, scale, out, 0, outStride, tile);
        if (rows > quant) tileKeyScores(q, qOff, queries, scale, quant, rows, out, outStride, tile);
    }

    @Override
    public void groupAccumulateValues(float[] w, int wStride, int queries, int rows, float[] out, int outOff, float[] tile) {
        // one query head alone (no GQA sharing) is faster with the fused kernel, which converts in registers
        if (queries == 1) {
            accumulateValues(w, 0, rows, out, outOff);
            return;
        }
        if (!QuantKernels.groupValuesVectorized(lay)) {
            super.groupAccumulateValues(w, wStride, queries, rows, out, outOff, tile);
            return;
        }
        int quant = Math.min(rows, quantRows);
        QuantKernels.groupValues(lay, valueCodes, valueParams, quant, w, wStride, queries, out, outOff, tile);
        if (rows > quant) tileAccumulateValues(w, wStride, queries, quant, rows, out, outOff, tile);
    }

    @Override
    protected void store(int row, float[] key, int keyOff, float[] value, int valueOff) {
        int base = (row - quantRows) * headDim;
        for (int i = 0; i < headDim; i++) {
            tailKeys[base + i] = Float.floatToFloat16(key[keyOff + i]);
            tailValues[base + i] = Float.floatToFloat16(value[valueOff + i]);
        }
    }

    @Override
    protected void ensureCapacity(int rows, boolean geometric) {
        super.ensureCapacity(rows, geometric);
        int tail = staging ? rows - quantRows : Math.min(rows - quantRows, GROUP);
        if (tail * headDim > tailKeys.length) {
            int cap = geometric ? Math.max(tail, tailKeys.length / headDim + (tailKeys.length / headDim >> 1) + 8) : tail;
            if (!staging) cap = Math.min(cap, Math.max(tail, GROUP));
            tailKeys = grown(tailKeys, (size - quantRows) * headDim, cap * headDim);
            tailValues = grown(tailValues, (size - quantRows) * headDim, cap * headDim);
        }
        if (!staging) ensureCodes(rows / GROUP * GROUP, !geometric);
    }

    @Override
    protected void resize(int capacity) {
        positions = grown(positions, size, capacity);
    }

    @Override
    void stage() { staging = true; }

    @Override
    void seal() {
        staging = false;
        quantizeResidual(true);
        remeter();
        int tail = size - quantRows;
        if (tailKeys.length > GROUP * headDim) {
            // the staged prompt's half-precision rows are codes now: keep a residual of one group
            short[] k = Arrays.copyOf(tailKeys, Math.max(tail, GROUP) * headDim), v = Arrays.copyOf(tailValues, Math.max(tail, GROUP) * headDim);
            free(tailKeys);
            free(tailValues);
            tailKeys = k;
            tailValues = v;
        }
    }

    @Override
    protected void afterChange(boolean retained) {
        if (!staging) quantizeResidual(retained);
    }

    /** Quantizes every complete group of the residual; {@code exact}: code arrays grown to exactly the rows (else geometrically). */
    private void quantizeResidual(boolean exact) {
        int groups = (size - quantRows) / GROUP;
        if (groups == 0) return;
        ensureCodes(quantRows + groups * GROUP, exact);
        int hd = headDim, rb = lay.rowBytes(), ps = 2 * lay.blocks();
        for (int g = 0; g < groups; g++) {
            int t0 = g * GROUP * hd, row0 = quantRows + g * GROUP, p = (row0 / GROUP) * 2 * hd;
            for (int c = 0; c < hd; c++) {
                float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < GROUP; r++) {
                    float x = Float.float16ToFloat(tailKeys[t0 + r * hd + c]);
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
                lay.encodeParams(lo, hi, keyParams, p + c, p + hd + c);
                float s = Float.float16ToFloat(keyParams[p + c]), o = Float.float16ToFloat(keyParams[p + hd + c]);
                for (int r = 0; r < GROUP; r++) {
                    lay.putKey(keyCodes, row0 + r, c, lay.code(Float.float16ToFloat(tailKeys[t0 + r * hd + c]), s, o));
                }
            }
            for (int r = 0; r < GROUP; r++) {
                int src = t0 + r * hd, row = row0 + r;
                for (int b = 0; b < lay.blocks(); b++) {
                    float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                    for (int c = b * lay.block(); c < (b + 1) * lay.block(); c++) {
                        float x = Float.float16ToFloat(tailValues[src + c]);
                        lo = Math.min(lo, x);
                        hi = Math.max(hi, x);
                    }
                    int pv = row * ps + 2 * b;
                    lay.encodeParams(lo, hi, valueParams, pv, pv + 1);
                    float s = Float.float16ToFloat(valueParams[pv]), o = Float.float16ToFloat(valueParams[pv + 1]);
                    for (int c = b * lay.block(); c < (b + 1) * lay.block(); c++) {
                        lay.put(valueCodes, row * rb, c, lay.code(Float.float16ToFloat(tailValues[src + c]), s, o));
                    }
                }
            }
        }
        int done = groups * GROUP, left = size - quantRows - done;
        System.arraycopy(tailKeys, done * hd, tailKeys, 0, left * hd);
        System.arraycopy(tailValues, done * hd, tailValues, 0, left * hd);
        quantRows += done;
    }

    /** Room for {@code rows} rows of codes, in arrays of our own (copied if shared with a fork). */
    private void ensureCodes(int rows, boolean exact) {
        int have = valueCodes.length / lay.rowBytes();
        if (rows <= have && !shared) return;
        int cap = rows <= have ? have : exact ? rows : Math.max(rows, (have + (have >> 1) + GROUP) / GROUP * GROUP);
        int rb = lay.rowBytes();
        keyCodes = Arrays.copyOf(keyCodes, cap * rb);
        valueCodes = Arrays.copyOf(valueCodes, cap * rb);
        keyParams = Arrays.copyOf(keyParams, cap / GROUP * 2 * headDim);
        valueParams = Arrays.copyOf(valueParams, cap * 2 * lay.blocks());
        shared = false;
    }

    @Override
    protected void compact(int[] sortedRows) {
        int n = sortedRows.length, hd = headDim, rb = lay.rowBytes();
        int lead = 0;
        while (lead < n && sortedRows[lead] == lead) lead++;
        int keep = Math.min(lead, quantRows) / GROUP * GROUP; // whole leading groups stay codes as they are
        int rest = n - keep;
        short[] k = new short[rest * hd];
        short[] v = new short[k.length];
        float[] row = new float[hd];
        for (int i = keep; i < n; i++) {
            int src = sortedRows[i], dst = (i - keep) * hd;
            if (src >= quantRows) {
                System.arraycopy(tailKeys, (src - quantRows) * hd, k, dst, hd);
                System.arraycopy(tailValues, (src - quantRows) * hd, v, dst, hd);
            } else {
                QuantKernels.dequantizeKeys(lay, keyCodes, keyParams, src, src + 1, row, 0);
                VectorMath.toF16(row, 0, k, dst, hd);
                QuantKernels.dequantizeValues(lay, valueCodes, valueParams, src, src + 1, row, 0);
                VectorMath.toF16(row, 0, v, dst, hd);
            }
        }
        keyCodes = Arrays.copyOf(keyCodes, keep * rb);
        valueCodes = Arrays.copyOf(valueCodes, keep * rb);
        keyParams = Arrays.copyOf(keyParams, keep / GROUP * 2 * hd);
        valueParams = Arrays.copyOf(valueParams, keep * 2 * lay.blocks());
        shared = false;
        free(tailKeys);
        free(tailValues);
        tailKeys = k;
        tailValues = v;
        quantRows = keep;
    }
}
