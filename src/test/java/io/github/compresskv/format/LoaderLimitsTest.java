package io.github.compresskv.format;

import io.github.compresskv.convert.ModelShape;
import io.github.compresskv.convert.SyntheticModelWriter;
import io.github.compresskv.cache.KvCache;
import io.github.compresskv.cache.KvStorage;
import io.github.compresskv.model.ContextLengthException;
import io.github.compresskv.model.Model;
import io.github.compresskv.model.PrefillObserver;
import io.github.compresskv.model.Transformer;
import io.github.compresskv.tensor.GgmlType;
import io.github.compresskv.tokenizer.TokenizerException;
import io.github.compresskv.tokenizer.TokenizerGgufExport;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits a loader checks before it allocates anything a hostile file asks for (issue 18). */
class LoaderLimitsTest {
    @TempDir Path tmp;

    private static void assertMessage(RuntimeException e, String part) {
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void metadataArraysShareOneElementBudget() throws IOException {
        // two u8 arrays that each fit the file but together exceed the budget
        int half = (int) (Gguf.MAX_ARRAY_ELEMENTS / 2 + 1);
        GgufTestEncoder e = new GgufTestEncoder(3)
                .kv("a", GgufValueType.ARRAY, new Metadata.GgufArray(GgufValueType.UINT8, Collections.nCopies(half, 0)))
                .kv("b", GgufValueType.ARRAY, new Metadata.GgufArray(GgufValueType.UINT8, Collections.nCopies(half, 0)));
        Path f = Files.write(tmp.resolve("arrays.gguf"), e.encode());
        assertMessage(assertThrows(ModelFormatException.class, () -> GgufFile.open(f)), "array elements in all metadata");
    }

    @Test
    void tensorCountIsLimitedEvenWhenTheFileIsLargeEnough() throws IOException {
        Path f = tmp.resolve("tensors.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(Gguf.MAGIC).putInt(3).putLong(Gguf.MAX_TENSORS + 1).putLong(0);
            raf.write(header.array());
            raf.setLength(64 * (Gguf.MAX_TENSORS + 2)); // sparse: no disk space used
        }
        assertMessage(assertThrows(ModelFormatException.class, () -> GgufFile.open(f)), "exceeds the limit");
    }

    @Test
    void zeroDimensionsAreRefused() throws IOException {
        GgufTestEncoder e = new GgufTestEncoder(3).tensor("t", GgmlType.F32.id(), new long[] {0, 1L << 40}, new byte[0]);
        Path f = Files.write(tmp.resolve("zero.gguf"), e.encode());
        assertMessage(assertThrows(ModelFormatException.class, () -> GgufFile.open(f)), "dimension 0 is 0");
    }

    @Test
    void rowsAndColumnsBeyondJavaArraysNameTheTensor() {
        TensorData wide = new TensorData("w", GgmlType.F32, new long[] {1L << 32, 1}, MemorySegment.NULL);
        assertMessage(assertThrows(ModelFormatException.class, wide::cols), "tensor 'w'");
        TensorData tall = new TensorData("t", GgmlType.F32, new long[] {1, 1L << 31, 4}, MemorySegment.NULL);
        assertMessage(assertThrows(ModelFormatException.class, tall::rows), "rows");
    }

    @Test
    void oversizedConfigIsRefusedBeforeReading() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hf"));
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve(HfFolder.CONFIG).toFile(), "rw")) {
            raf.setLength(BoundedFiles.MAX_CONFIG_BYTES + 1);
        }
        assertMessage(assertThrows(ModelFormatException.class, () -> HfFolder.open(dir)), "more than the");
    }

    @Test
    void aTokenizerLargerThanTheEmbeddingIsRefused() throws IOException {
        Metadata.Builder md = new Metadata.Builder("test").putString("general.architecture", "llama");
        TokenizerGgufExport.byteLevelPlaceholder(300, md);
        GgufTestEncoder e = new GgufTestEncoder(3).metadata(md.build())
                .tensor("token_embd.weight", GgmlType.F32.id(), new long[] {4, 100}, new byte[1600]);
        Path f = Files.write(tmp.resolve("vocab.gguf"), e.encode());
        try (GgufFile g = GgufFile.open(f)) {
            assertMessage(assertThrows(TokenizerException.class, () -> Tokenizers.load(g)), "has only 100 rows");
        }
    }

    @Test
    void aPromptWhoseKvCacheCannotFitTheHeapIsAClearError() throws IOException {
        // one KV head of 65 536 dimensions: 512 KiB of keys and values per token, so the heap runs out long
        // before the context length does
        Path f = tmp.resolve("wide-heads.gguf");
        new SyntheticModelWriter(p -> {}).write(new ModelShape("wide", "llama", 8, 1, 1, 1, 1 << 16, 8, 260, 1 << 24,
                10000f, false, false), GgmlType.F32, 1, f);
        try (Model model = Model.load(f)) {
            int tokens = (int) Math.min(1 << 23, Runtime.getRuntime().maxMemory() / (512 << 10) + 1);
            ContextLengthException e = assertThrows(ContextLengthException.class,
                    () -> new Transformer(model).prefill(model.newCache(KvStorage.F32), new int[tokens]));
            assertMessage(e, "MiB of KV cache");
            PrefillObserver layerMajor = new PrefillObserver() {
                @Override public int observationWindow() { return 1; }
                @Override public void layerDone(int layer, KvCache c, int start, int n, float[] q, float[] a) { }
            };
            // layer-major prefill holds one layer's new rows at a time: refused once one layer cannot fit
            int oneLayerTooMany = (int) Math.min(1 << 23, Runtime.getRuntime().maxMemory() / (512 << 10) + 1);
            assertThrows(ContextLengthException.class,
                    () -> new Transformer(model).prefill(model.newCache(KvStorage.F32), new int[oneLayerTooMany], layerMajor));
        }
    }
}
