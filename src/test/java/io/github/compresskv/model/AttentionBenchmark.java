package io.github.compresskv.model;

import io.github.compresskv.bench.BenchWeights;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Decode attention of one token over one layer's cache (all query heads: scores, softmax, weighted values) at
 * the Qwen2.5-0.5B head layout (14 query heads, 2 KV heads of 64), F32, F16, Q8 and Q4 caches, one thread; and RoPE of
 * one token's query and key heads. Score: µs per call. Bytes read per call = 2 KV heads × KvStorage.bytesFor(rows, 64).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class AttentionBenchmark {

    @Param({"512", "4096", "16384"})
    public int rows;

    @Param({"F32", "F16", "Q8", "Q4"})
    public KvStorage kv;

    private Attention attention;
    private KvCache cache;
    private Parallel pool;
    private RotaryEmbedding rope;
    private float[] q, out, k, cos, sin;
    private int[] position;
    private ModelConfig c;

    @Setup(Level.Trial)
    public void setUp() {
        SyntheticModel.Spec spec = new SyntheticModel.Spec("qwen2", 896, 1, 14, 2, 64, 64, 16, 32768, 1_000_000f, true, true,
                false, false, "none");
        c = ModelConfig.from(new SyntheticModel(spec, 1));
        attention = new Attention(c);
        pool = new Parallel(1);
        cache = new KvCache(1, c.kvHeads(), c.headDim(), kv);
        float[] key = BenchWeights.floats(c.headDim(), 3), value = BenchWeights.floats(c.headDim(), 4);
        for (int h = 0; h < c.kvHeads(); h++) {
            cache.head(0, h).reserve(rows);
            for (int r = 0; r < rows; r++) cache.append(0, h, key, 0, value, 0, r);
        }
        cache.advance(rows);
        q = BenchWeights.floats(c.qDim(), 5);
        k = BenchWeights.floats(c.kvDim(), 6);
        out = new float[c.qDim()];
        position = new int[] {rows - 1};
        rope = c.rope();
        cos = new float[c.headDim() / 2];
        sin = new float[c.headDim() / 2];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] decodeAttention() {
        attention.apply(cache, 0, q, position, 1, out, pool);
        return out;
    }

    /** Angles of one position and the rotation of all query and key heads of one token (decode's RoPE). */
    @Benchmark
    public float[] rope() {
        rope.angles(rows, cos, sin, 0);
        for (int h = 0; h < c.heads(); h++) rope.rotate(q, h * c.headDim(), cos, sin, 0);
        for (int h = 0; h < c.kvHeads(); h++) rope.rotate(k, h * c.headDim(), cos, sin, 0);
        return q;
    }
}
