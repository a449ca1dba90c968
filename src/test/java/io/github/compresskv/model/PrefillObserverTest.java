package io.github.compresskv.model;

import io.github.compresskv.cache.HeadRows;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The layer-major prefill with a {@link PrefillObserver}: same bits as the plain prefill, one call per layer
 * with the right taps (checked against the double-precision {@link ReferenceForward}), streaming retains that
 * do not disturb the prefill, exact peak memory, and decoding over a retained subset.
 */
class PrefillObserverTest {

    private static final int PROMPT = 37;
    private static final int CHUNK = 7;   // the prompt spans 6 chunks; a window of 8 straddles two of them

    private static SyntheticModel source;
    private static Model model;

    @BeforeAll
    static void load() {
        SyntheticModel.Spec q3 = SyntheticModel.Spec.of("qwen3");   // q/k norm, tied embeddings, GQA 8:2
        SyntheticModel.Spec spec = new SyntheticModel.Spec(q3.arch(), q3.dim(), 3, q3.heads(), q3.kvHeads(), q3.headDim(),
                q3.ffn(), q3.vocab(), q3.context(), q3.theta(), q3.tied(), q3.bias(), q3.qkNorm(), q3.interleaved(), q3.scaling());
        source = new SyntheticModel(spec, 17);
        model = Model.load(source, new Parallel(2));
    }

    @AfterAll
    static void close() { model.close(); }

    /** One recorded layerDone call. */
    record Call(int layer, int promptStart, int promptLength, float[] window, float[] cumulative, int[] rowsPerLayer, int nextPosition) { }

    /** Records every call; optionally keeps rows (by the given policy) of the finished layer. */
    static class Recorder implements PrefillObserver {
        final int window;
        final boolean cumulative;
        final List<Call> calls = new ArrayList<>();

        Recorder(int window, boolean cumulative) {
            this.window = window;
            this.cumulative = cumulative;
        }

        @Override public int observationWindow() { return window; }

        @Override public boolean wantsCumulativeAttention() { return cumulative; }

        @Override
        public void layerDone(int layer, KvCache cache, int promptStart, int promptLength, float[] windowQueries, float[] cumulativeAttention) {
            int[] rows = new int[cache.layers()];
            for (int l = 0; l < rows.length; l++) rows[l] = cache.rows(l, 0);
            calls.add(new Call(layer, promptStart, promptLength, windowQueries, cumulativeAttention, rows, cache.nextPosition()));
            retain(layer, cache);
        }

        void retain(int layer, KvCache cache) { }
    }

    private static int[] prompt() { return TransformerTest.tokens(PROMPT, model.config().vocab(), 3); }

    /** Prefill logits, the next decode step's logits and every cache row, as one array. */
    private static float[] runAndFingerprint(KvStorage storage, int chunk, PrefillObserver observer) {
        Transformer t = new Transformer(model, chunk);
        KvCache cache = model.newCache(storage);
        float[] logits = t.prefill(cache, prompt(), observer).clone();
        float[] next = t.decode(cache, 5).clone();
        return WarmBits.concat(logits, next, cacheBits(cache));
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void observerThatChangesNothingGivesThePlainPrefillBitForBit(KvStorage storage) {
        for (boolean cumulative : new boolean[] {false, true}) {
            WarmBits.assertSameBits(() -> runAndFingerprint(storage, CHUNK, null),
                    () -> runAndFingerprint(storage, CHUNK, new Recorder(8, cumulative)),
                    storage + " logits, next step and cache rows, cumulative=" + cumulative);
        }
    }

    @Test
    void layerMajorEqualsChunkMajorForEveryChunkSize() {
        int[] tokens = prompt();
        float[] whole = new Transformer(model, 256).prefill(model.newCache(KvStorage.F32), tokens).clone();
        for (int chunk : new int[] {1, 5, 16, 256}) {
            // same chunk size: the same operations in another order, so the same bits
            WarmBits.assertSameBits(() -> new Transformer(model, chunk).prefill(model.newCache(KvStorage.F32), tokens).clone(),
                    () -> new Transformer(model, chunk).prefill(model.newCache(KvStorage.F32), tokens, new Recorder(4, true)).clone(),
                    "chunk " + chunk);
            // another chunk size changes which kernels a token meets (a chunk of fewer than 4 tokens takes the fused
            // dot products, a chunk of 1 the decode attention), so only rounding differs
            float[] layerMajor = new Transformer(model, chunk).prefill(model.newCache(KvStorage.F32), tokens, new Recorder(4, true));
            double err = Logits.maxRelativeError(layerMajor, 0, whole, 0, whole.length);
            assertTrue(err < 1e-5, "chunk " + chunk + " against one chunk of 256: " + err);
        }
    }

    @Test
    void layerDoneComesOncePerLayerInOrderWithTheTapsOfTheReference() {
        int[] tokens = prompt();
        int w = 8, heads = model.config().heads(), hd = model.config().headDim(), layers = model.config().layers();
        Recorder rec = new Recorder(w, true);
        new Transformer(model, CHUNK).prefill(model.newCache(KvStorage.F32), tokens, rec);
        ReferenceForward ref = new ReferenceForward(model.config(), source.weights);
        ref.logits(tokens);

        assertEquals(layers, rec.calls.size());
        for (int l = 0; l < layers; l++) {
            Call call = rec.calls.get(l);
            assertEquals(l, call.layer());
            assertEquals(0, call.promptStart());
            assertEquals(PROMPT, call.promptLength());
            assertEquals(0, call.nextPosition(), "advanced only after the last layer");
            for (int m = 0; m < layers; m++) {
                assertEquals(m <= l ? PROMPT : 0, call.rowsPerLayer()[m], "rows of layer " + m + " when layer " + l + " is done");
            }
            assertEquals(heads * w * hd, call.window().length);
            double maxQ = 0, maxErr = 0;
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < w; i++) {
                    for (int d = 0; d < hd; d++) {
                        double expected = ref.queries[l][PROMPT - w + i][h * hd + d];
                        maxQ = Math.max(maxQ, Math.abs(expected));
                        maxErr = Math.max(maxErr, Math.abs(call.window()[(h * w + i) * hd + d] - expected));
                    }
                }
            }
            assertTrue(maxErr <= 1e-5 * maxQ, "layer " + l + " window queries: max error " + maxErr + " of " + maxQ);

            assertEquals(heads * PROMPT, call.cumulative().length);
            for (int h = 0; h < heads; h++) {
                double sum = 0;
                for (int r = 0; r < PROMPT; r++) {
                    float got = call.cumulative()[h * PROMPT + r];
                    sum += got;
                    assertEquals(ref.cumulativeAttention[l][h][r], got, 1e-4, "layer " + l + " head " + h + " row " + r);
                }
                assertEquals(PROMPT, sum, 1e-3, "each of the prompt's queries contributes 1");
            }
        }
    }

    @Test
    void windowLongerThanThePromptIsThePromptAndZeroIsNone() {
        int[] tokens = TransformerTest.tokens(5, model.config().vocab(), 1);
        Recorder longWindow = new Recorder(64, false), none = new Recorder(0, false);
        new Transformer(model, 2).prefill(model.newCache(KvStorage.F32), tokens, longWindow);
        new Transformer(model, 2).prefill(model.newCache(KvStorage.F32), tokens, none);
        int per = model.config().heads() * model.config().headDim();
        for (Call c : longWindow.calls) {
            assertEquals(5 * per, c.window().length);
            assertNull(c.cumulative());
        }
        for (Call c : none.calls) assertEquals(0, c.window().length);
    }

    @Test
    void appendWithAnObserverReportsItsStartAndAttentionOverAllRows() {
        int[] tokens = prompt();
        Transformer t = new Transformer(model, CHUNK);
        KvCache cache = model.newCache(KvStorage.F32);
        t.prefill(cache, java.util.Arrays.copyOf(tokens, 20));
        cache.retain(0, 1, new int[] {0, 4, 19});   // a compressed head: the layer's heads hold different row counts
        Recorder rec = new Recorder(3, true);
        float[] logits = t.prefill(cache, java.util.Arrays.copyOfRange(tokens, 20, PROMPT), rec).clone();

        KvCache plainCache = model.newCache(KvStorage.F32);
        Transformer plain = new Transformer(model, CHUNK);
        plain.prefill(plainCache, java.util.Arrays.copyOf(tokens, 20));
        plainCache.retain(0, 1, new int[] {0, 4, 19});
        float[] expected = plain.prefill(plainCache, java.util.Arrays.copyOfRange(tokens, 20, PROMPT));
        assertTrue(Logits.maxRelativeError(logits, 0, expected, 0, expected.length) < 1e-6);

        int heads = model.config().heads(), group = model.config().groupSize();
        Call first = rec.calls.getFirst();
        assertEquals(20, first.promptStart());
        assertEquals(PROMPT - 20, first.promptLength());
        int stride = first.cumulative().length / heads;
        assertEquals(PROMPT, stride, "largest row count over the layer's KV heads");
        for (int h = 0; h < heads; h++) {
            int rows = cache.rows(0, h / group);
            double sum = 0;
            for (int r = 0; r < stride; r++) {
                if (r >= rows) assertEquals(0f, first.cumulative()[h * stride + r], "past head " + h + "'s rows");
                sum += first.cumulative()[h * stride + r];
            }
            assertEquals(PROMPT - 20, sum, 1e-3);
        }
        assertEquals(PROMPT, cache.nextPosition());
    }

    @Test
    void streamingRetainKeepsThePrefillExactAndThePeakAtOneFullLayerPlusTheCompressedRest() {
        int[] tokens = prompt();
        int keep = 6, layers = model.config().layers(), kvHeads = model.config().kvHeads();
        Recorder lastRows = new Recorder(8, false) {
            @Override void retain(int layer, KvCache cache) {
                for (int h = 0; h < kvHeads; h++) {
                    int n = cache.rows(layer, h);
                    int[] rows = new int[keep];
                    for (int i = 0; i < keep; i++) rows[i] = n - keep + i;
                    cache.retain(layer, h, rows);
                }
            }
        };
        WarmBits.assertSameBits(() -> new Transformer(model, CHUNK).prefill(model.newCache(KvStorage.F16), tokens).clone(),
                () -> new Transformer(model, CHUNK).prefill(model.newCache(KvStorage.F16), tokens, lastRows).clone(),
                "the prefill's own logits never depend on what is evicted");
        KvCache plainCache = model.newCache(KvStorage.F16);
        new Transformer(model, CHUNK).prefill(plainCache, tokens);
        KvCache cache = model.newCache(KvStorage.F16);
        new Transformer(model, CHUNK).prefill(cache, tokens, lastRows);

        long rowBytes = (long) model.config().headDim() * 2 * KvStorage.F16.bytesPerValue() * kvHeads;
        assertEquals(layers * keep * rowBytes, cache.bytes());
        long bound = PROMPT * rowBytes + (layers - 1) * keep * rowBytes;
        assertTrue(cache.peakBytes() <= bound, "peak " + cache.peakBytes() + " > one full layer + compressed rest " + bound);
        assertEquals(bound, cache.peakBytes(), "the last layer full, the others compressed");
        assertEquals(layers * PROMPT * rowBytes, plainCache.peakBytes(), "without streaming every layer is full");
        assertEquals(PROMPT, cache.nextPosition());
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void promptStatesInAFileGiveTheSameBitsAsInTheHeap(KvStorage storage) {
        WarmBits.assertSameBits(() -> runAndFingerprint(storage, CHUNK, null),
                () -> runAndFingerprint(storage, CHUNK, new Recorder(8, true) {
                    @Override public boolean promptStatesInFile() { return true; }
                }),
                storage + ": plain prefill vs an observer that keeps everything, prompt states in a file");
        WarmBits.assertSameBits(() -> runAndFingerprint(storage, CHUNK, lastRowsRecorder(false)),
                () -> runAndFingerprint(storage, CHUNK, lastRowsRecorder(true)),
                storage + ": streaming eviction, prompt states in the heap vs in a file (logits, next step, kept rows)");
    }

    /** Keeps row 0 and the last 6 rows of every finished layer, prompt states in a file or the heap. */
    private static PrefillObserver lastRowsRecorder(boolean inFile) {
        int kvHeads = model.config().kvHeads();
        return new Recorder(8, false) {
            @Override public boolean promptStatesInFile() { return inFile; }

            @Override void retain(int layer, KvCache cache) {
                for (int h = 0; h < kvHeads; h++) {
                    int n = cache.rows(layer, h);
                    cache.retain(layer, h, new int[] {0, n - 6, n - 5, n - 4, n - 3, n - 2, n - 1});
                }
            }
        };
    }

    @ParameterizedTest
    @EnumSource(KvStorage.class)
    void decodingAfterRetainingASubsetEqualsAttentionOverThatSubset(KvStorage storage) {
        int[] tokens = prompt();
        int layers = model.config().layers(), kvHeads = model.config().kvHeads();
        boolean[][][] kept = new boolean[layers][kvHeads][PROMPT];
        SplittableRandom rnd = new SplittableRandom(7);
        Recorder randomSubset = new Recorder(0, false) {
            @Override void retain(int layer, KvCache cache) {
                for (int h = 0; h < kvHeads; h++) {
                    List<Integer> rows = new ArrayList<>();
                    for (int r = 0; r < PROMPT; r++) {
                        if (r == 0 || rnd.nextInt(3) == 0) {   // about a third, never empty
                            rows.add(r);
                            kept[layer][h][r] = true;
                        }
                    }
                    cache.retain(layer, h, rows.stream().mapToInt(Integer::intValue).toArray());
                }
            }
        };
        Transformer t = new Transformer(model, CHUNK);
        KvCache cache = model.newCache(storage);
        t.prefill(cache, tokens, randomSubset);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                HeadRows rows = cache.head(l, h);
                for (int r = 0; r < rows.size(); r++) assertTrue(kept[l][h][rows.position(r)], "kept rows keep their positions");
            }
        }
        assertEquals(PROMPT, cache.nextPosition(), "retain does not move the sequence position");

        int[] continuation = {11, 40, 2};
        int[] all = new int[PROMPT + continuation.length];
        System.arraycopy(tokens, 0, all, 0, PROMPT);
        System.arraycopy(continuation, 0, all, PROMPT, continuation.length);
        double[][] ref = new ReferenceForward(model.config(), source.weights).logits(all, kept, PROMPT);
        double tolerance = storage == KvStorage.F32 ? 1e-5 : 2e-3;
        for (int i = 0; i < continuation.length; i++) {
            float[] logits = t.decode(cache, continuation[i]);
            double err = Logits.maxRelativeError(logits, 0, ref[PROMPT + i], model.config().vocab());
            assertTrue(err <= tolerance, storage + " decode step " + i + ": relative error " + err);
        }
        assertEquals(PROMPT + continuation.length, cache.nextPosition());
    }

    /** Every position, key and value of the cache, in layer, head, row order. */
    static float[] cacheBits(KvCache cache) {
        int hd = cache.headDim();
        float[] all = new float[(int) cache.totalRows() * (2 * hd + 1)];
        int off = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadRows rows = cache.head(l, h);
                for (int r = 0; r < rows.size(); r++) {
                    all[off++] = rows.position(r);
                    rows.readKey(r, all, off);
                    rows.readValue(r, all, off + hd);
                    off += 2 * hd;
                }
            }
        }
        return all;
    }
}
