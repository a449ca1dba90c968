package io.github.compresskv.cache;

import io.github.compresskv.tensor.VectorMath;

import java.util.Arrays;

/** Head rows stored as IEEE half-precision bit patterns (converted with round to nearest even). */
final class F16HeadRows extends HeadRows {
    private short[] keys;
    private short[] values;

    F16HeadRows(int headDim, int capacity) {
        super(headDim, capacity);
        keys = new short[capacity * headDim];
        values = new short[capacity * headDim];
    }

    @Override
    public KvStorage storage() { return KvStorage.F16; }

    @Override
    public HeadRows copy() {
        F16HeadRows c = new F16HeadRows(headDim, 0);
        c.keys = Arrays.copyOf(keys, size * headDim);
        c.values = Arrays.copyOf(values, size * headDim);
        copyPositionsInto(c);
        return c;
    }

    @Override
    public void readKeys(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        VectorMath.fromF16(keys, from * headDim, dst, off, (to - from) * headDim);
    }

    @Override
    public void readValues(int from, int to, float[] dst, int off) {
        java.util.Objects.checkFromToIndex(from, to, size);
        VectorMath.fromF16(values, from * headDim, dst, off, (to - from) * headDim);
    }

    @Override
    public void keyScores(float[] q, int qOff, float scale, int rows, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) out[outOff + r] = scale * VectorMath.dotF16(keys, r * headDim, q, qOff, headDim);
    }

    @Override
    public void accumulateValues(float[] weights, int wOff, int rows, float[] out, int outOff) {
        VectorMath.weightedRowSumF16(weights, wOff, rows, values, headDim, out, outOff, headDim);
    }

    @Override
    protected void store(int row, float[] key, int keyOff, float[] value, int valueOff) {
        int base = row * headDim;
        for (int i = 0; i < headDim; i++) {
            keys[base + i] = Float.floatToFloat16(key[keyOff + i]);
            values[base + i] = Float.floatToFloat16(value[valueOff + i]);
        }
    }

    @Override
    protected void resize(int capacity) {
        keys = grown(keys, size * headDim, capacity * headDim);
        values = grown(values, size * headDim, capacity * headDim);
        positions = grown(positions, size, capacity);
    }

    @Override
    protected void compact(int[] sortedRows) {
        short[] k = new short[sortedRows.length * headDim];
        short[] v = new short[sortedRows.length * headDim];
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
