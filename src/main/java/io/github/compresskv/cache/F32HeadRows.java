package io.github.compresskv.cache;

import io.github.compresskv.tensor.VectorMath;

import java.util.Arrays;

/** Head rows stored as 32-bit floats. */
final class F32HeadRows extends HeadRows {
    private float[] keys;
    private float[] values;

    F32HeadRows(int headDim, int capacity) {
        super(headDim, capacity);
        keys = new float[capacity * headDim];
        values = new float[capacity * headDim];
    }

    @Override
    public KvStorage storage() { return KvStorage.F32; }

    @Override
    public HeadRows copy() {
        F32HeadRows c = new F32HeadRows(headDim, 0);
        c.keys = Arrays.copyOf(keys, size * headDim);
        c.values = Arrays.copyOf(values, size * headDim);
        copyPositionsInto(c);
        return c;
    }

    @Override
    public void readKeys(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        System.arraycopy(keys, from * headDim, dst, off, (to - from) * headDim);
    }

    @Override
    public void readValues(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        System.arraycopy(values, from * headDim, dst, off, (to - from) * headDim);
    }

    @Override
    public void keyScores(float[] q, int qOff, float scale, int rows, float[] out, int outOff) {
        VectorMath.rowDots(keys, headDim, rows, q, qOff, headDim, scale, out, outOff);
    }

    @Override
    public void accumulateValues(float[] weights, int wOff, int rows, float[] out, int outOff) {
        VectorMath.weightedRowSum(weights, wOff, rows, values, headDim, out, outOff, headDim);
    }

    @Override
    public void groupKeyScores(float[] q, int qOff, int queries, float scale, int rows, float[] out, int outStride, float[] tile) {
        // the rows are floats already: a tile is a range of them, read in place (its own loop: one shared loop for
        // every type with a hook for in-place rows once let C2 box vectors in decode)
        int tr = tileRows(headDim);
        for (int r0 = 0; r0 < rows; r0 += tr) {
            int n = Math.min(tr, rows - r0);
            for (int j = 0; j < queries; j++) {
                VectorMath.rowDots(keys, r0 * headDim, headDim, n, q, qOff + j * headDim, headDim, scale, out, j * outStride + r0);
            }
        }
    }

    @Override
    public void groupAccumulateValues(float[] w, int wStride, int queries, int rows, float[] out, int outOff, float[] tile) {
        int tr = tileRows(headDim);
        for (int r0 = 0; r0 < rows; r0 += tr) {
            int n = Math.min(tr, rows - r0);
            for (int j = 0; j < queries; j++) {
                VectorMath.weightedRowSum(w, j * wStride + r0, n, values, r0 * headDim, headDim, out, outOff + j * headDim, headDim);
            }
        }
    }

    @Override
    protected void store(int row, float[] key, int keyOff, float[] value, int valueOff) {
        System.arraycopy(key, keyOff, keys, row * headDim, headDim);
        System.arraycopy(value, valueOff, values, row * headDim, headDim);
    }

    @Override
    protected void resize(int capacity) {
        keys = grown(keys, size * headDim, capacity * headDim);
        values = grown(values, size * headDim, capacity * headDim);
        positions = grown(positions, size, capacity);
    }

    @Override
    protected void compact(int[] sortedRows) {
        float[] k = new float[sortedRows.length * headDim];
        float[] v = new float[sortedRows.length * headDim];
        for (int i = 0; i < sortedRows.length; i++) {
            System.arraycopy(keys, sortedRows[i] * headDim, k, i * headDim, headDim);
            System.arraycopy(values, sortedRows[i] * headDim, v, i * headDim, headDim);
        }
        free(keys);
        free(values);
        keys = k;
        values = v;
    }
}
