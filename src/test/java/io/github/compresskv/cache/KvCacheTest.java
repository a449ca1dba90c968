package io.github.compresskv.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.*;

class KvCacheTest {

    private static final int HD = 4;

    /** Key row r of the test data: r + i/10; value: -(r + i/10). */
    private static void fill(KvCache c, int layer, int head, int rows, int firstPosition) {
        for (int r = 0; r < rows; r++) {
            float[] k = new float[HD], v = new float[HD];
            for (int i = 0; i < HD; i++) {
                k[i] = r + i / 10f;
                v[i] = -(r + i / 10f);
            }
            c.append(layer, head, k, 0, v, 0, firstPosition + r);
        }
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void bytesCountStoredKeysAndValuesExactly(KvStorage storage) {
        KvCache c = new KvCache(2, 3, HD, storage);
        assertEquals(0, c.bytes());
        fill(c, 0, 0, 5, 0);
        fill(c, 1, 2, 40, 0);
        assertEquals(storage.bytesFor(5, HD) + storage.bytesFor(40, HD), c.bytes());
        assertEquals(45, c.totalRows());
        assertTrue(c.allocatedBytes() >= c.bytes());
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void rowsKeepTheirValuesAndPositionsThroughGrowth(KvStorage storage) {
        KvCache c = new KvCache(1, 1, HD, storage);
        fill(c, 0, 0, 100, 7);
        HeadRows h = c.head(0, 0);
        assertEquals(100, h.size());
        float[] k = new float[HD], v = new float[HD];
        h.readKey(63, k, 0);
        h.readValue(63, v, 0);
        assertEquals(63.2f, k[2], 0.05f);
        assertEquals(-63.2f, v[2], 0.05f);
        assertEquals(70, h.position(63));
    }

    @Test
    void retainKeepsTheChosenRowsWithTheirPositionsAndFreesTheRest() {
        KvCache c = new KvCache(1, 2, HD, KvStorage.F32);
        fill(c, 0, 0, 10, 100);
        fill(c, 0, 1, 10, 100);
        c.advance(10);
        c.retain(0, 0, new int[] {0, 3, 9});
        HeadRows h = c.head(0, 0);
        assertArrayEquals(new int[] {100, 103, 109}, h.positions());
        float[] k = new float[HD];
        h.readKey(1, k, 0);
        assertArrayEquals(new float[] {3f, 3.1f, 3.2f, 3.3f}, k, 1e-6f);
        assertEquals(3L * HD * 2 * 4, h.bytes());
        assertEquals(h.bytes(), h.allocatedBytes(), "storage trimmed to the kept rows");
        assertEquals(10, c.rows(0, 1), "other heads untouched");
        assertEquals(10, c.nextPosition(), "dropping rows does not move the sequence position");
        // appending continues after the last position
        c.append(0, 0, new float[HD], 0, new float[HD], 0, 110);
        assertEquals(4, c.rows(0, 0));
    }

    @Test
    void retainRejectsUnsortedOrOutOfRangeIndices() {
        KvCache c = new KvCache(1, 1, HD, KvStorage.F16);
        fill(c, 0, 0, 5, 0);
        assertThrows(IllegalArgumentException.class, () -> c.retain(0, 0, new int[] {2, 1}));
        assertThrows(IllegalArgumentException.class, () -> c.retain(0, 0, new int[] {1, 1}));
        assertThrows(IndexOutOfBoundsException.class, () -> c.retain(0, 0, new int[] {5}));
        assertEquals(5, c.rows(0, 0), "a rejected retain changes nothing");
    }

    @Test
    void positionsMustIncrease() {
        KvCache c = new KvCache(1, 1, HD, KvStorage.F32);
        fill(c, 0, 0, 3, 0);
        assertThrows(IllegalArgumentException.class, () -> c.append(0, 0, new float[HD], 0, new float[HD], 0, 2));
    }

    @Test
    void visibleRowsIsTheCausalPrefixEvenWithGaps() {
        KvCache c = new KvCache(1, 1, HD, KvStorage.F32);
        fill(c, 0, 0, 10, 0);
        c.retain(0, 0, new int[] {1, 4, 5, 8});
        HeadRows h = c.head(0, 0);
        assertEquals(0, h.visibleRows(0));
        assertEquals(1, h.visibleRows(3));
        assertEquals(3, h.visibleRows(5));
        assertEquals(4, h.visibleRows(100));
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void recycledStorageCarriesTheNextLayerWithoutAllocatingAndWithoutAliasing(KvStorage storage) {
        int rows = 4096, hd = 64;   // 1 MiB (F32) per key or value array: large next to any incidental allocation
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long[] reserveBytes = new long[2];
        for (boolean recycle : new boolean[] {false, true}) {
            KvCache c = new KvCache(2, 2, hd, storage);
            c.stage(); // as a prefill does: a quantized cache holds the layer in half precision until it is sealed
            c.recycleFreedStorage(recycle);
            for (int h = 0; h < 2; h++) c.head(0, h).reserve(rows);
            for (int h = 0; h < 2; h++) for (int r = 0; r < rows; r++) c.append(0, h, row(hd, r), 0, row(hd, -r), 0, r);
            for (int h = 0; h < 2; h++) c.retain(0, h, new int[] {1, 7, rows - 1});   // layer 0 compressed: its arrays freed
            long before = mx.getThreadAllocatedBytes(tid);
            for (int h = 0; h < 2; h++) c.head(1, h).reserve(rows);
            reserveBytes[recycle ? 1 : 0] = mx.getThreadAllocatedBytes(tid) - before;
            for (int h = 0; h < 2; h++) for (int r = 0; r < rows; r++) c.append(1, h, row(hd, r / 32f), 0, row(hd, -r / 32f), 0, r);
            c.recycleFreedStorage(false);

            float[] k = new float[hd], v = new float[hd];
            for (int h = 0; h < 2; h++) {
                assertArrayEquals(new int[] {1, 7, rows - 1}, c.head(0, h).positions());
                c.head(0, h).readKey(1, k, 0);
                c.head(0, h).readValue(1, v, 0);
                assertEquals(7f, k[0], "layer 0 keeps its own rows after layer 1 reused its old arrays");
                assertEquals(-7f, v[0]);
                assertEquals(rows, c.rows(1, h));
                c.head(1, h).readKey(rows - 1, k, 0);
                assertEquals((rows - 1) / 32f, k[0], (rows - 1) / 32f * 1e-3f, "layer 1's own rows");
                assertEquals(rows - 1, c.head(1, h).position(rows - 1));
            }
        }
        long arrays = 2L * 2 * rows * hd * (storage.quantized() ? 2 : storage.bytesPerValue());
        assertTrue(reserveBytes[0] >= arrays, "without recycling the reserve allocates the layer: " + reserveBytes[0]);
        assertTrue(reserveBytes[1] < arrays / 100, "with recycling it takes the freed arrays: " + reserveBytes[1] + " bytes");
    }

    /** A row of {@code first} followed by ones. */
    private static float[] row(int hd, float first) {
        float[] a = new float[hd];
        java.util.Arrays.fill(a, 1f);
        a[0] = first;
        return a;
    }

    @Test
    void copyIsIndependent() {
        KvCache c = new KvCache(2, 1, HD, KvStorage.F16);
        fill(c, 0, 0, 6, 0);
        fill(c, 1, 0, 6, 0);
        c.advance(6);
        KvCache fork = c.copy();
        fork.retain(0, 0, new int[] {5});
        fork.append(1, 0, new float[HD], 0, new float[HD], 0, 6);
        fork.advance(1);
        assertEquals(6, c.rows(0, 0));
        assertEquals(6, c.rows(1, 0));
        assertEquals(6, c.nextPosition());
        assertEquals(1, fork.rows(0, 0));
        assertEquals(7, fork.rows(1, 0));
        assertEquals(7, fork.nextPosition());
        assertEquals(KvStorage.F16, fork.storage());
    }

    @Test
    void f16StorageRoundsToNearestHalf() {
        KvCache c = new KvCache(1, 1, 2, KvStorage.F16);
        c.append(0, 0, new float[] {1.0001f, 65504f}, 0, new float[] {-0.333333f, 1e-8f}, 0, 0);
        float[] k = new float[2], v = new float[2];
        c.head(0, 0).readKey(0, k, 0);
        c.head(0, 0).readValue(0, v, 0);
        assertEquals(1.0f, k[0]);
        assertEquals(65504f, k[1]);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(-0.333333f)), v[0]);
        assertEquals(0f, v[1], 1e-7f);
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void keyScoresAndValueSumsMatchAPlainComputation(KvStorage storage) {
        KvCache c = new KvCache(1, 1, HD, storage);
        fill(c, 0, 0, 6, 0);
        HeadRows h = c.head(0, 0);
        float[] q = {1, -1, 0.5f, 2};
        float[] s = new float[6];
        h.keyScores(q, 0, 0.5f, 6, s, 0);
        float[] w = {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.1f};
        float[] out = new float[HD];
        h.accumulateValues(w, 0, 6, out, 0);
        float[] row = new float[HD];
        float[] expectedOut = new float[HD];
        for (int r = 0; r < 6; r++) {
            h.readKey(r, row, 0);
            double dot = 0;
            for (int i = 0; i < HD; i++) dot += q[i] * row[i];
            assertEquals(0.5 * dot, s[r], 1e-5);
            h.readValue(r, row, 0);
            for (int i = 0; i < HD; i++) expectedOut[i] += w[r] * row[i];
        }
        assertArrayEquals(expectedOut, out, 1e-5f);
    }

    @Test
    void truncateRewindsToAPrefixAsIfOnlyThatPrefixHadBeenRun() {
        KvCache c = new KvCache(2, 2, 4, KvStorage.F32);
        float[] k = new float[4], v = new float[4];
        for (int t = 0; t < 10; t++) {
            for (int l = 0; l < 2; l++) {
                for (int g = 0; g < 2; g++) {
                    java.util.Arrays.fill(k, t + 0.5f * g);
                    java.util.Arrays.fill(v, -t);
                    c.append(l, g, k, 0, v, 0, t);
                }
            }
            c.advance(1);
        }
        c.retain(1, 1, new int[] {0, 2, 4, 6, 8}); // a compressed head keeps its own subset
        c.truncate(5);
        assertEquals(5, c.nextPosition());
        assertEquals(5, c.rows(0, 0));
        assertArrayEquals(new int[] {0, 2, 4}, c.head(1, 1).positions());
        float[] out = new float[4];
        c.head(0, 1).readKey(4, out, 0);
        assertEquals(4.5f, out[0]);
        assertEquals(5L * 4 * 2 * 4 * 3 + 3L * 4 * 2 * 4, c.bytes());
        c.truncate(0);
        assertEquals(0, c.totalRows());
        assertThrows(IllegalArgumentException.class, () -> c.truncate(1));
    }
}
