package io.github.compresskv.cache;

/**
 * The key/value cache of one sequence: for every layer and every KV head, a variable number of rows
 * ({@link HeadRows}: post-RoPE key, value and the row's true absolute position). Heads are independent so
 * compression can keep a different subset per head ({@link #retain}); kept rows keep their original positions.
 *
 * <p>{@link #nextPosition()} is the position the next token of the sequence takes: the number of tokens the
 * sequence has consumed, which stays unchanged when rows are dropped.
 *
 * <p>Memory: {@link #bytes()} counts exactly the stored key and value elements, Σ over heads of
 * rows × headDim × 2 × bytesPerValue for F32/F16, and codes, scales, offsets and half-precision residual rows for
 * Q8/Q4 ({@link KvStorage#bytesFor}); the int position per row (4 bytes) and spare capacity are not counted (see
 * {@link #allocatedBytes()} for the latter). Forks of a quantized cache share their codes until either side
 * writes; each fork's bytes() counts the rows it holds.
 */
public final class KvCache {
    private static final int INITIAL_ROWS = 16;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final KvStorage storage;
    private final HeadRows[][] heads;
    private int nextPosition;
    private final ByteMeter meter;
    /** Some head may hold staged (not yet quantized) rows: {@link #seal} has work to do. */
    private boolean staging;

    public KvCache(int layers, int kvHeads, int headDim, KvStorage storage) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("layers, kvHeads, headDim must be positive: " + layers + ", " + kvHeads + ", " + headDim);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.storage = storage;
        if (storage.quantized()) QuantLayout.of(storage, headDim); // fails now on a head size the layout cannot take
        this.heads = new HeadRows[layers][kvHeads];
        for (HeadRows[] layer : heads) {
            for (int h = 0; h < kvHeads; h++) layer[h] = HeadRows.create(storage, headDim, INITIAL_ROWS);
        }
        this.meter = new ByteMeter(0);
        meterHeads();
    }

    private void meterHeads() {
        for (HeadRows[] layer : heads) for (HeadRows h : layer) h.meterInto(meter);
    }

    private KvCache(KvCache other) {
        this.layers = other.layers;
        this.kvHeads = other.kvHeads;
        this.headDim = other.headDim;
        this.storage = other.storage;
        this.nextPosition = other.nextPosition;
        this.heads = new HeadRows[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) heads[l][h] = other.heads[l][h].copy();
        }
        this.meter = new ByteMeter(0);
        this.staging = other.staging;
        meterHeads();
    }

    public int layers() { return layers; }

    public int kvHeads() { return kvHeads; }

    public int headDim() { return headDim; }

    public KvStorage storage() { return storage; }

    /** The rows of one head (live view: appends and retains show through). */
    public HeadRows head(int layer, int kvHead) { return heads[layer][kvHead]; }

    /** Number of rows stored for one head. */
    public int rows(int layer, int kvHead) { return heads[layer][kvHead].size(); }

    /** Makes room for {@code more} rows beyond the current ones in every head, so that appending them allocates nothing. */
    public void reserveRows(int more) {
        for (HeadRows[] layer : heads) {
            for (HeadRows h : layer) h.reserve(h.size() + more);
        }
    }

    /** Appends one row (key and value of headDim floats) at {@code position} to one head. */
    public void append(int layer, int kvHead, float[] key, int keyOff, float[] value, int valueOff, int position) {
        heads[layer][kvHead].append(key, keyOff, value, valueOff, position);
    }

    /** Replaces the rows of one head by the rows at {@code sortedRowIndices} (strictly increasing), freeing the rest. */
    public void retain(int layer, int kvHead, int[] sortedRowIndices) {
        heads[layer][kvHead].retain(sortedRowIndices);
    }

    /**
     * While on, the arrays that {@link #retain} frees are kept (those of one layer at most) and a head that grows to
     * exactly their length takes them over instead of allocating: a streaming prefill then fills every layer in the
     * storage of the first, so the heap holds one uncompressed layer however many layers there are. Turning it off
     * drops the kept arrays. Contents and results are the same either way.
     */
    public void recycleFreedStorage(boolean on) {
        FreedArrays f = on ? new FreedArrays(3 * kvHeads) : null;   // keys, values and positions of every head of a layer
        for (HeadRows[] layer : heads) for (HeadRows h : layer) h.recycleWith(f);
    }

    /**
     * From now on the quantized types keep appended rows in half precision, unquantized, until {@link #seal}: a
     * prefill stages its rows so that its own attention and a compression's scores read the keys before they are
     * rounded to codes, and the eviction then drops rows that were never quantized. No-op for F32 and F16.
     */
    public void stage() {
        if (!storage.quantized()) return;
        staging = true;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) h.stage();
    }

    /**
     * Quantizes every complete group of every head (the newest rows short of a group stay in half precision) and
     * quantizes further groups as they fill. Called once nothing will score the staged rows any more: by a
     * compression's finish, the first decode step, or whoever reports the bytes of a prefilled cache; cheap when
     * nothing is staged.
     */
    public void seal() {
        if (!staging) return;
        staging = false;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) h.seal();
    }

    /** Whether rows may wait unquantized for {@link #seal}. */
    public boolean staging() { return staging; }

    /** Exact bytes the cache will hold after {@link #seal} (equal to {@link #bytes()} for the float types). */
    public long sealedBytes() {
        long n = 0;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) n += h.sealedBytes();
        return n;
    }

    /** The position the next token of this sequence takes (= tokens consumed so far). */
    public int nextPosition() { return nextPosition; }

    /** Records that {@code tokens} more tokens were consumed (done by the forward pass after writing their rows). */
    public void advance(int tokens) {
        if (tokens < 0) throw new IllegalArgumentException("cannot advance by " + tokens);
        nextPosition = Math.addExact(nextPosition, tokens);
    }

    /**
     * Rewinds the sequence to its first {@code tokens} tokens: every head keeps only its rows at positions below
     * {@code tokens}, and the next token takes position {@code tokens}. Used to reuse the cache of a shared
     * prefix (for example probes that differ only after some point); the result equals the cache a prefill of
     * those tokens would have built, because a row depends only on the tokens up to its own position.
     */
    public void truncate(int tokens) {
        if (tokens < 0 || tokens > nextPosition) {
            throw new IllegalArgumentException("cannot truncate a sequence of " + nextPosition + " tokens to " + tokens);
        }
        for (HeadRows[] layer : heads) {
            for (HeadRows h : layer) {
                int keep = h.visibleRows(tokens - 1);
                int[] rows = new int[keep];
                for (int i = 0; i < keep; i++) rows[i] = i;
                h.retain(rows);
            }
        }
        nextPosition = tokens;
    }

    /** An independent deep copy (a fork of the sequence). */
    public KvCache copy() { return new KvCache(this); }

    /** Exact bytes of stored keys and values (positions and spare capacity excluded). */
    public long bytes() {
        long n = 0;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) n += h.bytes();
        return n;
    }

    /**
     * The largest {@link #bytes()} reached since this cache was created (or copied: a copy starts at its own size)
     * or since the last {@link #resetPeakBytes()}. Tracked on every append and retain, so it is exact: for a
     * streaming-compressed prefill it is one uncompressed layer plus the compressed rest.
     */
    public long peakBytes() { return meter.peak(); }

    /** Starts a new peak measurement at the current {@link #bytes()}. */
    public void resetPeakBytes() { meter.resetPeak(); }

    /** Bytes allocated for keys and values including spare capacity. */
    public long allocatedBytes() {
        long n = 0;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) n += h.allocatedBytes();
        return n;
    }

    /** Total rows over all layers and heads. */
    public long totalRows() {
        long n = 0;
        for (HeadRows[] layer : heads) for (HeadRows h : layer) n += h.size();
        return n;
    }
}
