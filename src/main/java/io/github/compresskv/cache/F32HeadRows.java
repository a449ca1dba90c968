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
    protected float[] keysAsFloats() { return keys; }

    @Override
    protected float[] valuesAsFloats() { return values; }

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
