package io.github.compresskv.cache;

import io.github.compresskv.tensor.MatmulKernels;
import io.github.compresskv.tensor.VectorMath;

import java.util.Arrays;
import java.util.Objects;

/**
 * The rows of one KV head in one layer: post-RoPE keys, values, and the absolute position of every row.
 * Positions strictly increase from row to row (append enforces it, {@link #retain} keeps the order), so the
 * rows visible to a query at position p are a prefix ({@link #visibleRows}).
 *
 * <p>Keys and values lie row-major in one array each; capacity grows geometrically and is trimmed to the
 * kept rows by {@link #retain}. Not thread-safe for writers; concurrent readers are fine.
 */
public abstract sealed class HeadRows permits F32HeadRows, F16HeadRows, QuantizedHeadRows {
    protected final int headDim;
    protected int size;
    protected int[] positions;
    /** The owning cache's byte total (null for rows not owned by a cache). */
    private ByteMeter meter;
    /** Where freed arrays go and grown ones come from while the owning cache recycles (else null). */
    private FreedArrays freed;

    protected HeadRows(int headDim, int capacity) {
        this.headDim = headDim;
        this.positions = new int[capacity];
    }

    static HeadRows create(KvStorage storage, int headDim, int capacity) {
        return switch (storage) {
            case F32 -> new F32HeadRows(headDim, capacity);
            case F16 -> new F16HeadRows(headDim, capacity);
            case Q8, Q4 -> new QuantizedHeadRows(storage, headDim, capacity);
        };
    }

    public abstract KvStorage storage();

    /** Reports this head's size changes to {@code m} (done by the owning cache). */
    final void meterInto(ByteMeter m) {
        this.meter = m;
        this.metered = 0;
        remeter();
    }

    /** Offers arrays freed by {@link #retain} to {@code f} and takes grown ones from it; null stops (done by the owning cache). */
    final void recycleWith(FreedArrays f) { this.freed = f; }

    /** The bytes last reported to the meter. */
    private long metered;

    /** Reports the change of {@link #bytes()} since the last report (rows appended or dropped, groups quantized). */
    protected final void remeter() {
        if (meter == null) return;
        long now = bytes();
        meter.add(now - metered);
        metered = now;
    }

    public int size() { return size; }

    public int headDim() { return headDim; }

    /** The absolute (RoPE) position of row {@code row}. */
    public int position(int row) {
        Objects.checkIndex(row, size);
        return positions[row];
    }

    /** The positions of all rows, ascending (a copy). */
    public int[] positions() { return Arrays.copyOf(positions, size); }

    /** Number of rows whose position is ≤ {@code position} (the causal prefix a query there may attend to). */
    public int visibleRows(int position) {
        int lo = 0, hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (positions[mid] <= position) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /**
     * Stored bytes of keys and values: size × headDim × 2 × bytesPerValue for the float types; codes, scales, offsets
     * and the half-precision residual for the quantized ones (positions not counted).
     */
    public long bytes() { return (long) size * headDim * 2 * storage().bytesPerValue(); }

    /** {@link #bytes()} once every complete group is quantized ({@link KvCache#seal}); equal to it for the float types. */
    public long sealedBytes() { return bytes(); }

    /** Bytes allocated for keys and values (capacity, not size). */
    public long allocatedBytes() { return (long) positions.length * headDim * 2 * storage().bytesPerValue(); }

    /** Makes room for at least {@code rows} rows without further allocation: exactly that many when it must grow. */
    public void reserve(int rows) { ensureCapacity(rows, false); }

    /**
     * Room for {@code rows} rows; {@code geometric}: by half again the current capacity at least (appends, one row at
     * a time, so that growing stays amortized), else exactly {@code rows} (a caller that knows how many will come).
     */
    protected void ensureCapacity(int rows, boolean geometric) {
        if (rows > positions.length) resize(geometric ? Math.max(rows, positions.length + (positions.length >> 1) + 8) : rows);
    }

    /** Appends a row; its position must be larger than the last row's. */
    public void append(float[] key, int keyOff, float[] value, int valueOff, int position) {
        if (size > 0 && position <= positions[size - 1]) {
            throw new IllegalArgumentException("positions must increase: appending " + position + " after " + positions[size - 1]);
        }
        ensureCapacity(size + 1, true);
        store(size, key, keyOff, value, valueOff);
        positions[size] = position;
        size++;
        afterChange(false);
        remeter();
    }

    /**
     * Keeps only the rows at {@code sortedRows} (strictly increasing indices), in that order, and trims the
     * storage to exactly that many rows so the memory of the dropped rows is freed.
     */
    public void retain(int[] sortedRows) {
        for (int i = 0; i < sortedRows.length; i++) {
            int r = sortedRows[i];
            if (r < 0 || r >= size) throw new IndexOutOfBoundsException("row " + r + " not in [0, " + size + ")");
            if (i > 0 && r <= sortedRows[i - 1]) {
                throw new IllegalArgumentException("row indices must strictly increase: " + sortedRows[i - 1] + " then " + r);
            }
        }
        int[] newPositions = new int[sortedRows.length];
        for (int i = 0; i < sortedRows.length; i++) newPositions[i] = positions[sortedRows[i]];
        compact(sortedRows);
        free(positions);
        positions = newPositions;
        size = sortedRows.length;
        afterChange(true);
        remeter();
    }

    /** An independent deep copy (capacity trimmed to the size). */
    public abstract HeadRows copy();

    /** Writes key row {@code row} as F32 into {@code dst[off .. off+headDim)}. */
    public final void readKey(int row, float[] dst, int off) {
        readKeys(row, row + 1, dst, off);
    }

    /** Writes value row {@code row} as F32 into {@code dst[off .. off+headDim)}. */
    public final void readValue(int row, float[] dst, int off) {
        readValues(row, row + 1, dst, off);
    }

    /** Writes key rows [from, to) as F32, row-major, into {@code dst} from {@code off} (blocked prefill attention). */
    public abstract void readKeys(int from, int to, float[] dst, int off);

    /** Writes value rows [from, to) as F32, row-major, into {@code dst} from {@code off}. */
    public abstract void readValues(int from, int to, float[] dst, int off);

    /**
     * Keys of rows [from, from + n) as the prefill's matmul panels ({@link MatmulKernels#pack}: {@link MatmulKernels#PANEL}
     * rows × headDim each, channel-major, the last panel zero-padded) into {@code panels} from 0; {@code rows}: scratch
     * of at least n × headDim floats.
     */
    public void readKeyPanels(int from, int n, float[] panels, float[] rows) {
        readKeys(from, from + n, rows, 0);
        packPanels(rows, n, panels, 0);
    }

    /** Packs the row-major keys rows[0, n · headDim) into panels from panel index {@code firstPanel}. */
    protected final void packPanels(float[] rows, int n, float[] panels, int firstPanel) {
        int panel = MatmulKernels.PANEL;
        for (int p = 0; p * panel < n; p++) {
            MatmulKernels.pack(rows, p * panel * headDim, Math.min(panel, n - p * panel), headDim, panels, (firstPanel + p) * headDim * panel);
        }
    }

    /** out[outOff + r] = scale · (q · key_r) for r in [0, rows). */
    public abstract void keyScores(float[] q, int qOff, float scale, int rows, float[] out, int outOff);

    /** out[outOff ..] += Σ_r weights[wOff + r] · value_r for r in [0, rows). */
    public abstract void accumulateValues(float[] weights, int wOff, int rows, float[] out, int outOff);

    /** Rows per tile of the grouped kernels: a tile's keys or values stay in cache while every query of the group reads them. */
    public static final int TILE_ROWS = 128;

    /**
     * Rows per tile for this head size: at most {@link #TILE_ROWS}, and 16 KB of floats at most, so that a tile stays
     * in a 32 KB L1 next to the queries and outputs (128 rows at head size 32, 64 at 64, 32 at 128).
     */
    public static int tileRows(int headDim) { return Math.max(8, Math.min(TILE_ROWS, 4096 / headDim)); }

    /**
     * out[j · outStride + r] = scale · (q_j · key_r) for the {@code queries} query heads j whose vectors lie one after
     * the other from q[qOff], r in [0, rows): the query heads of one GQA group, which read (and convert) each key row
     * once instead of once per head. {@code tile}: scratch of at least {@link #TILE_ROWS} × headDim floats.
     */
    public void groupKeyScores(float[] q, int qOff, int queries, float scale, int rows, float[] out, int outStride, float[] tile) {
        tileKeyScores(q, qOff, queries, scale, 0, rows, out, outStride, tile);
    }

    /** {@link #groupKeyScores} over the rows [from, to) only, through tiles of {@link #readKeys}. */
    protected final void tileKeyScores(float[] q, int qOff, int queries, float scale, int from, int to, float[] out, int outStride, float[] tile) {
        int tr = tileRows(headDim);
        for (int r0 = from; r0 < to; r0 += tr) {
            int n = Math.min(tr, to - r0);
            readKeys(r0, r0 + n, tile, 0);
            for (int j = 0; j < queries; j++) {
                VectorMath.rowDots(tile, 0, headDim, n, q, qOff + j * headDim, headDim, scale, out, j * outStride + r0);
            }
        }
    }

    /**
     * out[outOff + j · headDim ..] += Σ_r w[j · wStride + r] · value_r for the {@code queries} query heads j, r in
     * [0, rows): the value side of {@link #groupKeyScores}, with the same scratch.
     */
    public void groupAccumulateValues(float[] w, int wStride, int queries, int rows, float[] out, int outOff, float[] tile) {
        tileAccumulateValues(w, wStride, queries, 0, rows, out, outOff, tile);
    }

    /** {@link #groupAccumulateValues} over the rows [from, to) only, through tiles of {@link #readValues}. */
    protected final void tileAccumulateValues(float[] w, int wStride, int queries, int from, int to, float[] out, int outOff, float[] tile) {
        int tr = tileRows(headDim);
        for (int r0 = from; r0 < to; r0 += tr) {
            int n = Math.min(tr, to - r0);
            readValues(r0, r0 + n, tile, 0);
            for (int j = 0; j < queries; j++) {
                VectorMath.weightedRowSum(w, j * wStride + r0, n, tile, 0, headDim, out, outOff + j * headDim, headDim);
            }
        }
    }

    protected abstract void store(int row, float[] key, int keyOff, float[] value, int valueOff);

    /** Called after every append and retain (a quantized head quantizes a residual group that filled; {@code retained}: after a retain). */
    protected void afterChange(boolean retained) {}

    /** Keeps new rows unquantized until {@link #seal} (quantized heads; no-op for the float types). */
    void stage() {}

    /** Quantizes every complete group and quantizes groups as they fill from now on (quantized heads; no-op otherwise). */
    void seal() {}

    protected abstract void resize(int capacity);

    /** Moves the rows {@code sortedRows} to the front into storage of exactly that many rows. */
    protected abstract void compact(int[] sortedRows);

    /** Hands an array this head no longer uses to the owning cache's recycling, if on. */
    protected final void free(Object array) {
        if (freed != null) freed.offer(array);
    }

    /** old's first {@code used} elements in an array of {@code length}: a recycled one if there is one, else new. */
    protected final float[] grown(float[] old, int used, int length) {
        float[] a = freed == null ? null : freed.floats(length);
        if (a == null) return Arrays.copyOf(old, length);
        System.arraycopy(old, 0, a, 0, used);
        return a;
    }

    /** As {@link #grown(float[], int, int)}. */
    protected final short[] grown(short[] old, int used, int length) {
        short[] a = freed == null ? null : freed.shorts(length);
        if (a == null) return Arrays.copyOf(old, length);
        System.arraycopy(old, 0, a, 0, used);
        return a;
    }

    /** As {@link #grown(float[], int, int)}. */
    protected final int[] grown(int[] old, int used, int length) {
        int[] a = freed == null ? null : freed.ints(length);
        if (a == null) return Arrays.copyOf(old, length);
        System.arraycopy(old, 0, a, 0, used);
        return a;
    }

    protected final void copyPositionsInto(HeadRows target) {
        target.positions = Arrays.copyOf(positions, size);
        target.size = size;
    }
}
