package io.github.compresskv.tensor;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The decode kernels of one type side by side, one thread, weights in L2 (32 rows, so compute and not memory is
 * measured): {@code floatPair} = the float two-row kernel (every weight converted to float), {@code integerPair} =
 * the integer kernel on activations quantized once ({@link Q8Activations}), {@code integerRows} = the rows as matvec
 * runs them after the matrix has prepared its kernels (for Q4_0 and Q5_0 their row groups, {@link RowGroups}; for
 * the others the same as {@code integerPair}), {@code quantize} = that quantization of one activation vector.
 * Score: µs per call; ns per weight = score · 1000 / (32 · cols).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class IntegerKernelBenchmark {

    @Param({"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    /** Columns (a multiple of 256 for the K-quants): Qwen2.5-0.5B's ffn_down has 4864. */
    @Param("4864")
    public int cols;

    private static final int ROWS = 32;
    private Arena arena;
    private WeightMatrix m;
    private float[] x, y;
    private Q8Activations xq;

    @Setup
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        Random random = new Random(1);
        byte[] bytes = RandomWeights.of(t, ROWS, cols, random);
        arena = Arena.ofConfined();
        MemorySegment s = arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
        m = WeightMatrices.of(t, s, ROWS, cols);
        x = RandomWeights.floats(cols, random);
        y = new float[ROWS];
        xq = new Q8Activations().quantize(x, cols);
        m.prepareKernels();
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] floatPair() {
        for (int i = 0; i < ROWS / 2; i++) m.dotPair(i, i + ROWS / 2, x, y, i, i + ROWS / 2);
        return y;
    }

    @Benchmark
    public float[] integerPair() {
        for (int i = 0; i < ROWS / 2; i++) m.dotPairQ8(i, i + ROWS / 2, xq, y, i, i + ROWS / 2);
        return y;
    }

    @Benchmark
    public float[] integerRows() {
        m.dotRows(0, ROWS, x, xq, y, 0);
        return y;
    }

    @Benchmark
    public Q8Activations quantize() {
        return xq.quantize(x, cols);
    }
}
