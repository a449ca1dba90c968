package io.github.compresskv.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Single-thread A/B of the float and the integer two-row decode kernels of each type named in the arguments (and of
 * the rows as matvec runs them: for Q4_0 and Q5_0 their row groups; a type without an integer kernel, such as Q8_0,
 * shows its float kernel in every column), weights
 * in L2 (32 rows of 4864 columns), alternating in one process and keeping the fastest of 2000 trials of each after
 * 1000 of warm-up: on the shared machine the minimum is steadier than JMH's averages, which need long warm-ups under
 * load (until C2 has compiled a kernel its vectors are boxed). Run after {@code mvn test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     io.github.compresskv.tensor.IntegerKernelAB Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K</pre>
 */
public final class IntegerKernelAB {
    private IntegerKernelAB() {}

    public static void main(String[] args) {
        for (String name : args) {
            GgmlType type = GgmlType.valueOf(name);
            int rows = 32, cols = 4864;
            Random random = new Random(1);
            byte[] bytes = RandomWeights.of(type, rows, cols, random);
            MemorySegment segment = Arena.ofAuto().allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
            WeightMatrix m = WeightMatrices.of(type, segment, rows, cols);
            float[] x = RandomWeights.floats(cols, random);
            float[] yFloat = new float[rows], yInt = new float[rows];
            Q8Activations xq = new Q8Activations().quantize(x, cols);
            m.prepareKernels(); // Q4_0: its row groups, which matvec uses (the pair kernel reads ggml's layout)
            float[] yRows = new float[rows];
            long bestFloat = Long.MAX_VALUE, bestInt = Long.MAX_VALUE, bestQuantize = Long.MAX_VALUE, bestRows = Long.MAX_VALUE;
            for (int trial = 0; trial < 3000; trial++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < rows / 2; i++) m.dotPair(i, i + rows / 2, x, yFloat, i, i + rows / 2);
                long t1 = System.nanoTime();
                if (m.integerDot()) for (int i = 0; i < rows / 2; i++) m.dotPairQ8(i, i + rows / 2, xq, yInt, i, i + rows / 2);
                long t2 = System.nanoTime();
                xq.quantize(x, cols);
                long t3 = System.nanoTime();
                m.dotRows(0, rows, x, xq, yRows, 0);
                long t4 = System.nanoTime();
                if (trial >= 1000) {
                    bestFloat = Math.min(bestFloat, t1 - t0);
                    bestInt = Math.min(bestInt, t2 - t1);
                    bestQuantize = Math.min(bestQuantize, t3 - t2);
                    bestRows = Math.min(bestRows, t4 - t3);
                }
            }
            double weights = (double) rows * cols;
            if (!m.integerDot()) {
                System.arraycopy(yFloat, 0, yInt, 0, rows);
                bestInt = bestFloat;
            }
            double maxDiff = 0, maxY = 0;
            for (int i = 0; i < rows; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(yFloat[i] - yInt[i]));
                maxY = Math.max(maxY, Math.abs(yFloat[i]));
            }
            System.out.printf("%-5s float %.4f ns/weight, integer %.4f ns/weight: %.2fx; as matvec runs the rows %.4f ns/weight "
                            + "(%.2fx the float kernel); quantizing x: %.2f µs; max |Δy| / max |y| = %.1e%n", type, bestFloat / weights,
                    bestInt / weights, (double) bestFloat / bestInt, bestRows / weights, (double) bestFloat / bestRows,
                    bestQuantize / 1e3, maxDiff / maxY);
        }
    }
}
