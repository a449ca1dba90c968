package io.github.compresskv.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A row-major matrix of {@code rows × cols} weights stored in one ggml type, viewed over memory
 * (usually a memory-mapped model file). Each row is {@code cols} elements, {@code cols / blockSize}
 * consecutive blocks. Subclasses (one per type, made by {@link WeightMatrices#of}) implement a fused
 * dequantize-and-dot kernel and a vectorized row dequantizer; matvec and the blocked matmul are
 * built on those two.
 *
 * <p>Activations are F32 {@code float[]}. All methods are thread-safe (scratch buffers are per thread).
 */
public abstract class WeightMatrix {

    protected final GgmlType type;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;
    /** The file mapping under {@link #data}, released once row groups replace it; null when the data is not mapped. */
    private final MemorySegment mapping;

    protected WeightMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(type + " matrix needs rows and cols >= 1, got " + rows + "x" + cols);
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " rows need a multiple of " + type.blockSize() + " columns, got " + cols);
        }
        this.type = type;
        this.mapping = data.isMapped() ? data : null;
        this.data = kernelView(data);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.byteSize(cols);
        long need = rowBytes * rows;
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(type + " " + rows + "x" + cols + " needs " + need + " bytes, got " + data.byteSize());
        }
    }

    /** Whether native access is enabled for this code (the launcher, the jar's manifest and the tests enable it). */
    static final boolean NATIVE_ACCESS = WeightMatrix.class.getModule().isNativeAccessEnabled();

    /**
     * A mapped segment seen as a plain native segment (the same memory, scope and read-only flag) where native access is
     * enabled, so that the kernels' vector loads meet one segment class for file weights and row groups alike. The
     * JDK's code behind those loads is shared by every caller, and with two segment classes in its profiles C2 compiled
     * the kernels of a model that mixes both (Q4_K_M: row groups beside K-quants and Q8_0 read from the file) up to
     * 2.7 times slower (docs/performance.md).
     */
    private static MemorySegment kernelView(MemorySegment data) {
        return data.isMapped() && NATIVE_ACCESS ? data.reinterpret(data.byteSize()) : data;
    }

    public GgmlType type() { return type; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }

    /** Bytes of weight data in the file's layout. */
    public long byteSize() { return rowBytes * rows; }

    /** Bytes a full matvec reads: those of the row groups once this matrix has built them, else {@link #byteSize}. */
    public long bytesRead() {
        RowGroups g = rowGroups;
        return g != null ? g.groups.byteSize() : byteSize();
    }

    /** Whether this matrix computes on row groups (built on its first product where its type has them). */
    boolean hasRowGroups() {
        return rowGroups != null;
    }

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset + cols)}. */
    public abstract float dot(int row, float[] x, int xOffset);

    /**
     * {@code y[yA] = dot(rowA, x, 0)} and {@code y[yB] = dot(rowB, x, 0)}, bit for bit. Matvec gives each thread two
     * rows far apart at a time, so that two weight streams are in flight, which raises the bandwidth a DRAM-bound
     * matvec reaches (measured in docs/performance.md). Types whose kernel gains from reading both rows in
     * one loop override this; the default makes two calls.
     */
    protected void dotPair(int rowA, int rowB, float[] x, float[] y, int yA, int yB) {
        y[yA] = dot(rowA, x, 0);
        y[yB] = dot(rowB, x, 0);
    }

    /**
     * Whether {@link #matvec} runs this type's integer kernels on the activations quantized once per matvec
     * ({@link Q8Activations}) instead of the float kernel {@link #dot}. Such types override {@link #dotPairQ8}.
     */
    boolean integerDot() {
        return false;
    }

    /**
     * Rows {@code rowA} and {@code rowB} (may be equal) · the quantized activations, into y[yA] and y[yB]: integer
     * products, float block scales, two weight streams as in {@link #dotPair}.
     */
    void dotPairQ8(int rowA, int rowB, Q8Activations x, float[] y, int yA, int yB) {
        throw new UnsupportedOperationException(type + " has no integer kernel");
    }

    /**
     * {@code y[yOffset + r] = dot(r, x, 0)} for the rows {@code [start, end)}: row r together with row r + half, so
     * that a thread reads two streams (see {@link #dotPair}); on the integer kernels when {@code xq} is given and
     * this type has them.
     */
    final void dotRows(int start, int end, float[] x, Q8Activations xq, float[] y, int yOffset) {
        if (xq != null && integerDot()) {
            dotRowsQ8(start, end, xq, y, yOffset);
            return;
        }
        int half = (end - start) / 2;
        for (int r = start; r < start + half; r++) dotPair(r, r + half, x, y, yOffset + r, yOffset + r + half);
        if (((end - start) & 1) != 0) y[yOffset + end - 1] = dot(end - 1, x, 0);
    }

    /**
     * The integer part of {@link #dotRows}: on the row groups where this matrix has them (a chunk that does not start
     * or end on a group, in a fused matvec after a matrix whose rows are not in 16s, runs its edges on the row
     * kernel), else rows in pairs far apart through {@link #dotPairQ8}.
     */
    private void dotRowsQ8(int start, int end, Q8Activations xq, float[] y, int yOffset) {
        RowGroups g = rowGroups;
        int r = RowGroups.ROWS;
        int g0 = (start + r - 1) / r, g1 = end / r;
        if (g == null || g0 >= g1) {
            pairRowsQ8(start, end, xq, y, yOffset);
            return;
        }
        if (start < g0 * r) pairRowsQ8(start, g0 * r, xq, y, yOffset);
        g.dotGroupsQ8(g0, g1, xq, y, yOffset);
        if (g1 * r < end) pairRowsQ8(g1 * r, end, xq, y, yOffset);
    }

    private void pairRowsQ8(int start, int end, Q8Activations xq, float[] y, int yOffset) {
        int half = (end - start) / 2;
        for (int r = start; r < start + half; r++) dotPairQ8(r, r + half, xq, y, yOffset + r, yOffset + r + half);
        if (((end - start) & 1) != 0) dotPairQ8(end - 1, end - 1, xq, y, yOffset + end - 1, yOffset + end - 1);
    }

    /** This matrix re-laid out in row groups for its type's integer kernel, or null where the type has none. */
    RowGroups newRowGroups() {
        return null;
    }

    /** The row groups, once built (null where the type has none, the integer kernels are off or rows are not in 16s). */
    private volatile RowGroups rowGroups;
    private volatile boolean kernelsPrepared;

    /**
     * Called by the thread that starts a matvec or matmul, before the pool runs it: the first time, builds the row
     * groups where this type has them; decode and prefill then read only those, and a file mapping's pages of this
     * matrix are released, so that the copy replaces them in memory rather than adding to them.
     */
    final void prepareKernels() {
        if (kernelsPrepared) return;
        synchronized (this) {
            if (kernelsPrepared) return;
            if (RowGroups.ENABLED && integerDot() && rows % RowGroups.ROWS == 0) {
                RowGroups g = newRowGroups();
                if (g != null && g.finiteScales) {
                    rowGroups = g;
                    if (mapping != null) mapping.unload();
                }
            }
            kernelsPrepared = true;
        }
    }

    /** Rows per matvec chunk are a multiple of this, so that kernels over groups of rows see whole groups. */
    static final int ROW_ALIGN = 16;

    /** x quantized by the calling thread when the integer kernels are on and one of {@code ms} has them, else null. */
    private static Q8Activations quantizedFor(WeightMatrix[] ms, float[] x, int cols) {
        if (!Q8Activations.ENABLED) return null;
        for (WeightMatrix m : ms) if (m.integerDot()) return Q8Activations.get().quantize(x, cols);
        return null;
    }

    private static Q8Activations quantizedFor(WeightMatrix m, float[] x) {
        return Q8Activations.ENABLED && m.integerDot() ? Q8Activations.get().quantize(x, m.cols) : null;
    }

    /** Writes row {@code row} dequantized to F32 into {@code dst[dstOffset .. dstOffset + cols)}. */
    public abstract void dequantizeRow(int row, float[] dst, int dstOffset);

    /** y[yOffset + r] = row r · x for every row; rows split over the pool. */
    public void matvec(float[] x, float[] y, int yOffset, Parallel pool) {
        if (x.length < cols || yOffset < 0 || y.length - yOffset < rows) {
            throw new IllegalArgumentException(this + " matvec needs x of " + cols + " and y of " + rows
                    + " from offset " + yOffset + ", got x " + x.length + ", y " + y.length);
        }
        prepareKernels();
        MatvecTask task = MATVEC.get();
        task.set(this, x, quantizedFor(this, x), y, yOffset);
        try {
            pool.forRange(rows, rowsPerTask(), ROW_ALIGN, task);
        } finally {
            task.set(null, null, null, null, 0);
        }
    }

    /**
     * ys[m][r] = row r of ms[m] · x for every matrix (all with x's length as columns), as one parallel loop over
     * their rows together: decode's q/k/v and gate/up projections read the same input, and one loop instead of
     * three (or two) saves the pool's start and end of a loop, where a thread waits for the slowest chunk.
     */
    public static void matvecs(WeightMatrix[] ms, float[] x, float[][] ys, Parallel pool) {
        int total = 0, cols = ms[0].cols;
        for (int m = 0; m < ms.length; m++) {
            if (ms[m].cols != cols || ys[m].length < ms[m].rows) {
                throw new IllegalArgumentException("matvecs: " + ms[m] + " needs " + cols + " columns and an output of " + ms[m].rows
                        + " rows, got output " + ys[m].length);
            }
            total += ms[m].rows;
            ms[m].prepareKernels();
        }
        if (x.length < cols) throw new IllegalArgumentException("matvecs: x of " + x.length + " for " + cols + " columns");
        MultiMatvecTask task = MULTI.get();
        task.set(ms, x, quantizedFor(ms, x, cols), ys);
        try {
            pool.forRange(total, ms[0].rowsPerTask(), ROW_ALIGN, task);
        } finally {
            task.set(null, null, null, null);
        }
    }

    private static final ThreadLocal<MultiMatvecTask> MULTI = ThreadLocal.withInitial(MultiMatvecTask::new);

    /** Rows [start, end) of the matrices laid end to end. */
    private static final class MultiMatvecTask implements Parallel.RangeBody {
        private WeightMatrix[] ms;
        private float[] x;
        private Q8Activations xq;
        private float[][] ys;

        void set(WeightMatrix[] ms, float[] x, Q8Activations xq, float[][] ys) {
            this.ms = ms;
            this.x = x;
            this.xq = xq;
            this.ys = ys;
        }

        @Override
        public void run(int start, int end) {
            int m = 0, first = 0;
            while (start >= first + ms[m].rows) first += ms[m++].rows;
            for (int r = start; r < end; ) {
                WeightMatrix w = ms[m];
                float[] y = ys[m];
                int stop = Math.min(end, first + w.rows);
                w.dotRows(r - first, stop - first, x, xq, y, 0);
                r = stop;
                first += w.rows;
                m++;
            }
        }
    }

    /** The calling thread's reusable matvec loop body (decode must not allocate a lambda per matvec). */
    private static final ThreadLocal<MatvecTask> MATVEC = ThreadLocal.withInitial(MatvecTask::new);

    /** y[yOffset + r] = m.dot(r, x) for the rows of a chunk; fields set by the thread that starts the loop. */
    private static final class MatvecTask implements Parallel.RangeBody {
        private WeightMatrix m;
        private float[] x, y;
        private Q8Activations xq;
        private int yOffset;

        void set(WeightMatrix m, float[] x, Q8Activations xq, float[] y, int yOffset) {
            this.m = m;
            this.x = x;
            this.xq = xq;
            this.y = y;
            this.yOffset = yOffset;
        }

        @Override
        public void run(int start, int end) {
            m.dotRows(start, end, x, xq, y, yOffset);
        }
    }

    /**
     * Batched product: {@code x} holds n row vectors of length cols (row-major, n × cols);
     * {@code y} receives n × rows (row-major): y[t*rows + r] = row r · x_t.
     *
     * <p>Blocked for cache reuse: the rows are split into tiles of {@link MatmulKernels#PANEL} rows, the pool
     * works on tiles in parallel (claimed one at a time), and each tile is dequantized once into a thread-local
     * scratch, packed column-major into a panel and multiplied with all tokens by {@link MatmulKernels}.
     * With fewer than {@value #TILED_MIN_TOKENS} tokens the fused per-row dots are cheaper, except for a matrix in row
     * groups, whose tiles are packed straight from the groups.
     */
    public void matmul(float[] x, int n, float[] y, Parallel pool) {
        checkMatmul(x, n, y);
        prepareKernels();
        RowGroups groups = rowGroups;
        // with row groups the tiles also serve a few tokens: the fused row dots would read the file's layout again
        if (n < TILED_MIN_TOKENS && groups == null) {
            pool.forRange(rows, rowsPerTask(), (start, end) -> {
                for (int r = start; r < end; r++) {
                    for (int t = 0; t < n; t++) y[t * rows + r] = dot(r, x, t * cols);
                }
            });
            return;
        }
        int tileRows = MatmulKernels.PANEL;
        int tiles = (rows + tileRows - 1) / tileRows;
        pool.forEach(tiles, (start, end) -> {
            TileScratch s = TILE_SCRATCH.get().ensure(tileRows * cols);
            for (int tile = start; tile < end; tile++) {
                int r0 = tile * tileRows;
                int nr = Math.min(tileRows, rows - r0);
                if (groups != null) {
                    groups.packPanel(r0, nr, cols, s.panel, MatmulKernels.PANEL);
                } else {
                    for (int i = 0; i < nr; i++) dequantizeRow(r0 + i, s.rows, i * cols);
                    MatmulKernels.pack(s.rows, nr, cols, s.panel);
                }
                MatmulKernels.multiply(s.panel, nr, cols, x, n, y, rows, r0, s.out);
            }
        });
    }

    /** Below this many tokens {@link #matmul} uses the fused per-row dots instead of dequantized tiles. */
    static final int TILED_MIN_TOKENS = 4;

    private static final ThreadLocal<TileScratch> TILE_SCRATCH = ThreadLocal.withInitial(TileScratch::new);

    /** A thread's matmul buffers: the dequantized rows of a tile, its packed panel, and one partial panel's outputs. */
    private static final class TileScratch {
        float[] rows = new float[0], panel = new float[0];
        final float[] out = new float[MatmulKernels.TOKENS * MatmulKernels.PANEL];

        /** Grown to {@code size} floats each, never shrunk. */
        TileScratch ensure(int size) {
            if (rows.length < size) {
                rows = new float[size];
                panel = new float[size];
            }
            return this;
        }
    }

    /** Rows per parallel task: enough elements per task (≥ 32 Ki) that forking pays off. */
    private int rowsPerTask() {
        return Math.max(1, 32 * 1024 / cols);
    }

    private void checkMatmul(float[] x, int n, float[] y) {
        if (n < 0 || x.length < (long) n * cols || y.length < (long) n * rows) {
            throw new IllegalArgumentException(this + " matmul of " + n + " tokens needs x of " + (long) n * cols
                    + " and y of " + (long) n * rows + ", got x " + x.length + ", y " + y.length);
        }
    }

    /** The F16 value at byte {@code offset} of the data (block scales). */
    protected final float half(long offset) {
        return Float.float16ToFloat(data.get(Simd.HALF, offset));
    }

    /** The whole matrix (or vector) dequantized to F32 — for norms, biases and tests. */
    public float[] toFloatArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    /** Type and shape, e.g. {@code Q4_0[896x4864]}. */
    @Override
    public String toString() {
        return type + "[" + rows + "x" + cols + "]";
    }
}
