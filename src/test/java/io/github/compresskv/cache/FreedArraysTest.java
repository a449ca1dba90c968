package io.github.compresskv.cache;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class FreedArraysTest {

    @Test
    void handsOutOnlyTheExactLengthAndTypeOnce() {
        FreedArrays f = new FreedArrays(4);
        float[] a = new float[8];
        f.offer(a);
        f.offer(new int[8]);
        assertNull(f.floats(7));
        assertNull(f.shorts(8));
        assertSame(a, f.floats(8));
        assertNull(f.floats(8), "taken once");
        assertNotNull(f.ints(8));
        assertEquals(0, f.size());
    }

    @Test
    void whenFullKeepsTheLargestArrays() {
        FreedArrays f = new FreedArrays(2);
        f.offer(new float[100]);
        f.offer(new float[200]);
        f.offer(new float[3]);       // a re-eviction's small array does not push out a layer's
        assertNull(f.floats(3));
        f.offer(new float[300]);     // replaces the smallest kept (100)
        assertNull(f.floats(100));
        assertNotNull(f.floats(200));
        assertNotNull(f.floats(300));
    }
}
