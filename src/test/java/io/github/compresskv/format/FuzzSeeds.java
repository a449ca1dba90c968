package io.github.compresskv.format;

import io.github.compresskv.convert.ModelShape;
import io.github.compresskv.convert.SyntheticModelWriter;
import io.github.compresskv.tensor.GgmlType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the binary seeds of the model-file fuzz targets (run by hand; its output is committed, see
 * docs/reliability.md): a tiny synthetic model, the embedded model's header, a file with every metadata type
 * including nested arrays in GGUF versions 1 to 3, and small safetensors files. Every seed stays a few kilobytes.
 */
public final class FuzzSeeds {
    public static void main(String[] args) throws IOException {
        Path inputs = Path.of(args.length > 0 ? args[0] : "src/test/resources/io/github/compresskv/format/ModelFileFuzzTestInputs");
        Path gguf = Files.createDirectories(inputs.resolve("gguf"));
        Path tiny = gguf.resolve("seed-synthetic-llama-f16");
        new SyntheticModelWriter(p -> {}).write(
                new ModelShape("seed", "llama", 8, 1, 2, 1, 4, 16, 260, 64, 10000f, false, false), GgmlType.F16, 1, tiny);
        new SyntheticModelWriter(p -> {}).write(
                new ModelShape("seed", "qwen2", 8, 1, 2, 1, 4, 16, 260, 64, 10000f, true, true), GgmlType.F32, 2, gguf.resolve("seed-synthetic-qwen2-f32"));
        try (GgufFile embedded = GgufFile.open(Path.of("models/compresskv-tiny.gguf"))) {
            byte[] all = Files.readAllBytes(embedded.path());
            Files.write(gguf.resolve("seed-embedded-header"), Arrays.copyOf(all, (int) Math.min(embedded.dataOffset(), 16_384)));
        }
        for (int version = 1; version <= 3; version++) {
            GgufTestEncoder e = new GgufTestEncoder(version);
            e.kv("general.architecture", GgufValueType.STRING, "llama")
                    .kv("general.alignment", GgufValueType.UINT32, 32L)
                    .kv("u8", GgufValueType.UINT8, 255).kv("i8", GgufValueType.INT8, -1)
                    .kv("u16", GgufValueType.UINT16, 65535).kv("i16", GgufValueType.INT16, -2)
                    .kv("u32", GgufValueType.UINT32, 4294967295L).kv("i32", GgufValueType.INT32, -3)
                    .kv("f32", GgufValueType.FLOAT32, 1.5f).kv("bool", GgufValueType.BOOL, true)
                    .kv("u64", GgufValueType.UINT64, -1L).kv("i64", GgufValueType.INT64, Long.MIN_VALUE)
                    .kv("f64", GgufValueType.FLOAT64, 2.5)
                    .kv("tokenizer.ggml.tokens", GgufValueType.ARRAY, new Metadata.GgufArray(GgufValueType.STRING, List.of("a", "b", "<s>")))
                    .kv("nested", GgufValueType.ARRAY, new Metadata.GgufArray(GgufValueType.ARRAY, List.of(
                            new Metadata.GgufArray(GgufValueType.INT32, List.of(1, 2)),
                            new Metadata.GgufArray(GgufValueType.ARRAY, List.of(new Metadata.GgufArray(GgufValueType.FLOAT32, List.of(1f)))))))
                    .tensor("token_embd.weight", GgmlType.F32.id(), new long[] {4, 3}, new byte[48])
                    .tensor("output_norm.weight", GgmlType.F16.id(), new long[] {4}, new byte[8])
                    .tensor("q.weight", GgmlType.Q8_0.id(), new long[] {32, 1}, new byte[34]);
            Files.write(gguf.resolve("seed-every-type-v" + version), e.encode());
        }

        // found while reading the loader for issue 18: a zero first dimension let a 2^40-row embedding pass the
        // bounds check (0 bytes) and ModelConfig divided by zero computing its rows
        GgufTestEncoder zero = new GgufTestEncoder(3)
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.embedding_length", GgufValueType.UINT32, 8L).kv("llama.block_count", GgufValueType.UINT32, 1L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 2L).kv("llama.feed_forward_length", GgufValueType.UINT32, 16L)
                .kv("llama.context_length", GgufValueType.UINT32, 64L)
                .tensor("token_embd.weight", GgmlType.F32.id(), new long[] {0, 1L << 40}, new byte[0]);
        Files.write(gguf.resolve("finding-zero-dimension-embedding"), zero.encode());

        Path st = Files.createDirectories(inputs.resolve("safetensors"));
        Map<String, SafetensorsTestWriter.StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("a", SafetensorsTestWriter.f32(new long[] {2, 3}, new float[6]));
        tensors.put("b", SafetensorsTestWriter.f16(new long[] {4}, new float[4]));
        tensors.put("c", SafetensorsTestWriter.bf16(new long[] {}, new float[1]));
        Files.write(st.resolve("seed-three-dtypes"), SafetensorsTestWriter.bytes(tensors, Map.of("format", "pt")));
        byte[] llama = Files.readAllBytes(Path.of("src/test/resources/io/github/compresskv/model/llama/model.safetensors"));
        long headerLength = java.nio.ByteBuffer.wrap(llama, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Files.write(st.resolve("seed-llama-header"), Arrays.copyOf(llama, (int) (8 + headerLength)));
    }
}
