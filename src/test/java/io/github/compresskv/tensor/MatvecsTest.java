package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Several matvecs as one parallel loop give what each matvec gives on its own (the same dot per row; compared
 * with a tolerance because a lane reduction's order differs between interpreted and compiled code).
 */
class MatvecsTest {

    @Test
    void fusedEqualsSeparate() {
        Random random = new Random(9);
        int cols = 256;
        try (Parallel pool = new Parallel(3)) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16}) {
                int[] rows = {300, 7, 129};
                WeightMatrix[] ms = new WeightMatrix[rows.length];
                float[][] fused = new float[rows.length][], separate = new float[rows.length][];
                for (int m = 0; m < rows.length; m++) {
                    ms[m] = WeightMatrices.of(type, MemorySegment.ofArray(RandomWeights.of(type, rows[m], cols, random)), rows[m], cols);
                    fused[m] = new float[rows[m] + 2];
                    separate[m] = new float[rows[m] + 2];
                }
                float[] x = RandomWeights.floats(cols, random);
                WeightMatrix.matvecs(ms, x, fused, pool);
                for (int m = 0; m < rows.length; m++) {
                    ms[m].matvec(x, separate[m], 0, pool);
                    assertArrayEquals(separate[m], fused[m], 1e-4f, type + " matrix " + m);
                }
            }
        }
    }
}
