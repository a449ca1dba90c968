package io.github.compresskv.bench;

import io.github.compresskv.tensor.VectorMath;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Attention-sized dot products (one head: 64/128; a long row: 4096), F32 and F16 keys, and the attention softmax
 * over a row of n scores, single thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class VectorMathBenchmark {

    @Param({"128", "4096"})
    public int n;

    private float[] a;
    private float[] b;
    private short[] h;
    private float[] scores;

    @Setup
    public void setUp() {
        a = BenchWeights.floats(n, 1);
        b = BenchWeights.floats(n, 2);
        h = new short[n];
        VectorMath.toF16(a, 0, h, 0, n);
        scores = new float[n];
    }

    /** Softmax of n attention scores (copied in first: softmax works in place). */
    @Benchmark
    public float[] softmax() {
        System.arraycopy(a, 0, scores, 0, n);
        VectorMath.softmax(scores, 0, n);
        return scores;
    }

    @Benchmark
    public float dotF32() {
        return VectorMath.dot(a, 0, b, 0, n);
    }

    @Benchmark
    public float dotF16() {
        return VectorMath.dotF16(h, 0, b, 0, n);
    }

    /** The scalar loop the kernel replaces, for scale. */
    @Benchmark
    public float dotF32Scalar() {
        float s = 0f;
        for (int i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
