package io.github.compresskv.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.compresskv.tensor.GgmlType;
import io.github.compresskv.tensor.WeightMatrices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class HfFolderTest {

    @TempDir Path tmp;

    private static float[] floats(TensorData t) {
        return WeightMatrices.of(t.type(), t.data(), t.rows(), t.cols()).toFloatArray();
    }

    @Test
    void llamaConfigAndTensorsTranslate() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        Path dir = m.write(tmp.resolve("tiny-llama"), 1);
        try (HfFolder f = HfFolder.open(dir)) {
            Metadata md = f.metadata();
            assertEquals("llama", md.getString("general.architecture"));
            assertEquals("tiny-llama", md.getString("general.name"));
            assertEquals(128, md.getInt("llama.context_length"));
            assertEquals(16, md.getInt("llama.embedding_length"));
            assertEquals(2, md.getInt("llama.block_count"));
            assertEquals(24, md.getInt("llama.feed_forward_length"));
            assertEquals(4, md.getInt("llama.attention.head_count"));
            assertEquals(2, md.getInt("llama.attention.head_count_kv"));
            assertEquals(4, md.getInt("llama.attention.key_length"));
            assertEquals(4, md.getInt("llama.attention.value_length"));
            assertEquals(4, md.getInt("llama.rope.dimension_count"));
            assertEquals(40, md.getInt("llama.vocab_size"));
            assertEquals(1e-5f, md.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(10000f, md.getFloat("llama.rope.freq_base"));
            assertEquals(GgufValueType.UINT32, md.entries().get("llama.block_count").type());
            assertEquals(GgufValueType.FLOAT32, md.entries().get("llama.rope.freq_base").type());
            assertFalse(md.getBool("compresskv.tie_word_embeddings", true));
            assertFalse(md.has("llama.rope.scaling.type"));

            assertFalse(f.qkPermutedForInterleavedRope());
            assertEquals(Optional.of(dir), f.huggingFaceDir());
            assertEquals(dir, f.path());
            assertEquals(3 + 2 * 9, f.tensors().size());
            TensorData q = f.tensor("blk.1.attn_q.weight");
            assertArrayEquals(new long[] {16, 16}, q.ne());
            TensorData k = f.tensor("blk.0.attn_k.weight");
            assertArrayEquals(new long[] {16, 8}, k.ne(), "[cols=hidden, rows=kv*headDim]");
            assertArrayEquals(m.values.get("model.layers.0.self_attn.k_proj.weight"), floats(k));
            assertArrayEquals(new long[] {16, 40}, f.tensor("output.weight").ne());
            assertArrayEquals(new long[] {16}, f.tensor("output_norm.weight").ne());
            assertArrayEquals(m.values.get("model.layers.1.mlp.down_proj.weight"), floats(f.tensor("blk.1.ffn_down.weight")));
            for (String n : List.of("token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight",
                    "blk.0.ffn_norm.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight")) {
                assertTrue(f.tensors().containsKey(n), n);
            }
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.tensor("blk.9.attn_q.weight"));
            assertTrue(e.getMessage().contains("blk.9.attn_q.weight"));
        }
    }

    @Test
    void bf16AndF16WeightsKeepTheirType() throws IOException {
        for (String dtype : List.of("BF16", "F16")) {
            TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
            m.dtype = dtype;
            Path dir = m.write(tmp.resolve(dtype), 1);
            try (HfFolder f = HfFolder.open(dir)) {
                TensorData t = f.tensor("token_embd.weight");
                assertEquals(GgmlType.valueOf(dtype), t.type());
                assertArrayEquals(m.values.get("model.embed_tokens.weight"), floats(t));
            }
        }
    }

    @Test
    void mistralIsLlama() throws IOException {
        TinyHfModel m = TinyHfModel.of("MistralForCausalLM");
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("mistral"), 1))) {
            assertEquals("llama", f.metadata().getString("general.architecture"));
        }
    }

    @Test
    void tiedEmbeddingsDropOutput() throws IOException {
        TinyHfModel m = TinyHfModel.of("Qwen2ForCausalLM");
        m.tie = true;
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("qwen2"), 1))) {
            assertEquals("qwen2", f.metadata().getString("general.architecture"));
            assertFalse(f.tensors().containsKey("output.weight"));
            assertTrue(f.tieWordEmbeddings());
            assertTrue(f.metadata().getBool("compresskv.tie_word_embeddings", false));
            assertArrayEquals(new long[] {8}, f.tensor("blk.0.attn_k.bias").ne());
            assertArrayEquals(m.values.get("model.layers.1.self_attn.q_proj.bias"), floats(f.tensor("blk.1.attn_q.bias")));
            assertTrue(f.tensors().containsKey("blk.1.attn_v.bias"));
        }
    }

    @Test
    void tiedCheckpointThatStillSavesLmHeadDropsIt() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.write(tmp.resolve("t"), 1);
        ObjectNode c = m.config();
        c.put("tie_word_embeddings", true);
        Files.writeString(tmp.resolve("t/config.json"), c.toString());
        try (HfFolder f = HfFolder.open(tmp.resolve("t"))) {
            assertFalse(f.tensors().containsKey("output.weight"));
        }
    }

    @Test
    void qwen3HeadDimAndQkNorms() throws IOException {
        TinyHfModel m = TinyHfModel.of("Qwen3ForCausalLM");
        m.headDim = 8; // differs from hidden / heads = 4
        m.extraConfig.put("rope_theta", 1000000.0);
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("qwen3"), 1))) {
            Metadata md = f.metadata();
            assertEquals("qwen3", md.getString("general.architecture"));
            assertEquals(8, md.getInt("qwen3.attention.key_length"));
            assertEquals(8, md.getInt("qwen3.attention.value_length"));
            assertEquals(8, md.getInt("qwen3.rope.dimension_count"));
            assertEquals(1e6f, md.getFloat("qwen3.rope.freq_base"));
            assertArrayEquals(new long[] {16, 32}, f.tensor("blk.0.attn_q.weight").ne());
            assertArrayEquals(new long[] {32, 16}, f.tensor("blk.0.attn_output.weight").ne());
            assertArrayEquals(new long[] {8}, f.tensor("blk.1.attn_q_norm.weight").ne());
            assertTrue(f.tensors().containsKey("blk.1.attn_k_norm.weight"));
        }
    }

    @Test
    void llamaAttentionBias() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.attentionBias = true;
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("b"), 1))) {
            for (String n : List.of("attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.bias")) {
                assertTrue(f.tensors().containsKey("blk.0." + n), n);
            }
        }
    }

    @Test
    void llama3RopeScalingFromRopeScaling() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.extraConfig.put("rope_theta", 500000.0);
        m.extraConfig.put("rope_scaling", Map.of("rope_type", "llama3", "factor", 32.0, "low_freq_factor", 1.0,
                "high_freq_factor", 4.0, "original_max_position_embeddings", 8192));
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("l3"), 1))) {
            Metadata md = f.metadata();
            assertEquals(500000f, md.getFloat("llama.rope.freq_base"));
            assertEquals("llama3", md.getString("llama.rope.scaling.type"));
            assertEquals(32f, md.getFloat("llama.rope.scaling.factor"));
            assertEquals(1f, md.getFloat("llama.rope.scaling.low_freq_factor"));
            assertEquals(4f, md.getFloat("llama.rope.scaling.high_freq_factor"));
            assertEquals(8192, md.getInt("llama.rope.scaling.original_context_length"));
        }
    }

    @Test
    void llama3RopeScalingFromTransformersV5RopeParameters() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.extraConfig.put("rope_theta", null);
        m.extraConfig.put("rope_parameters", Map.of("rope_type", "llama3", "rope_theta", 500000.0, "factor", 8.0,
                "low_freq_factor", 2.0, "high_freq_factor", 4.0, "original_max_position_embeddings", 4096));
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("l3v5"), 1))) {
            Metadata md = f.metadata();
            assertEquals(500000f, md.getFloat("llama.rope.freq_base"));
            assertEquals("llama3", md.getString("llama.rope.scaling.type"));
            assertEquals(8f, md.getFloat("llama.rope.scaling.factor"));
            assertEquals(2f, md.getFloat("llama.rope.scaling.low_freq_factor"));
            assertEquals(4096, md.getInt("llama.rope.scaling.original_context_length"));
        }
    }

    @Test
    void defaultRopeParametersHaveNoScaling() throws IOException {
        TinyHfModel m = TinyHfModel.of("Qwen2ForCausalLM");
        m.extraConfig.put("rope_theta", null);
        m.extraConfig.put("rope_parameters", Map.of("rope_type", "default", "rope_theta", 1000000.0));
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("q2"), 1))) {
            assertEquals(1e6f, f.metadata().getFloat("qwen2.rope.freq_base"));
            assertFalse(f.metadata().has("qwen2.rope.scaling.type"));
        }
    }

    @Test
    void shardedFolder() throws IOException {
        TinyHfModel m = TinyHfModel.of("Qwen3ForCausalLM");
        try (HfFolder f = HfFolder.open(m.write(tmp.resolve("sharded"), 3))) {
            assertEquals(3 + 2 * 11, f.tensors().size());
            assertArrayEquals(m.values.get("model.layers.1.self_attn.k_norm.weight"), floats(f.tensor("blk.1.attn_k_norm.weight")));
            assertArrayEquals(m.values.get("lm_head.weight"), floats(f.tensor("output.weight")));
        }
    }

    // ---- bad input ----

    private ModelFormatException fails(Path dir, String... mustContain) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfFolder.open(dir).close());
        for (String s : mustContain) assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        return e;
    }

    private Path withConfig(String name, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        Path dir = m.write(tmp.resolve(name), 1);
        ObjectNode c = m.config();
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
        return dir;
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = withConfig("gpt", c -> c.putArray("architectures").add("GPT2LMHeadModel"));
        fails(dir, "config.json", "architectures", "GPT2LMHeadModel");
        fails(withConfig("noarch", c -> c.remove("architectures")), "config.json", "architectures");
    }

    @Test
    void missingOrBadConfigFields() throws IOException {
        fails(withConfig("nohidden", c -> c.remove("hidden_size")), "config.json", "hidden_size");
        fails(withConfig("badheads", c -> c.put("num_attention_heads", "four")), "config.json", "num_attention_heads");
        fails(withConfig("kv", c -> c.put("num_key_value_heads", 3)), "config.json", "num_key_value_heads");
        fails(withConfig("eps", c -> c.put("rms_norm_eps", -1)), "config.json", "rms_norm_eps");
        fails(withConfig("yarn", c -> c.set("rope_scaling", new ObjectMapper().valueToTree(Map.of("rope_type", "yarn", "factor", 4.0)))),
                "config.json", "rope_scaling", "yarn");
        fails(withConfig("tie", c -> c.put("tie_word_embeddings", "yes")), "config.json", "tie_word_embeddings");
    }

    @Test
    void badConfigJson() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("badjson"), 1);
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], ");
        fails(dir, "config.json", "JSON");
        Files.writeString(dir.resolve("config.json"), "[]");
        fails(dir, "config.json");
    }

    @Test
    void missingConfigOrWeights() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("noconf"), 1);
        Files.delete(dir.resolve("config.json"));
        fails(dir, "config.json");
        Path dir2 = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("noweights"), 1);
        Files.delete(dir2.resolve("model.safetensors"));
        fails(dir2, "model.safetensors");
        fails(tmp.resolve("nothing-here"), "nothing-here");
    }

    @Test
    void missingShard() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("s"), 2);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        fails(dir, "model.safetensors.index.json", "model-00002-of-00002.safetensors");
    }

    @Test
    void tensorListedInIndexButAbsentFromShard() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        Path dir = m.write(tmp.resolve("s"), 2);
        String index = Files.readString(dir.resolve("model.safetensors.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                index.replace("\"weight_map\":{", "\"weight_map\":{\"model.layers.7.extra.weight\":\"model-00001-of-00002.safetensors\","));
        fails(dir, "model.safetensors.index.json", "model.layers.7.extra.weight", "model-00001-of-00002.safetensors");
    }

    @Test
    void shardHoldsTensorTheIndexDoesNotList() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("s"), 2);
        String index = Files.readString(dir.resolve("model.safetensors.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.replace("\"model.norm.weight\"", "\"model.other.weight\""));
        fails(dir, "model.norm.weight");
    }

    @Test
    void badIndex() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("s"), 2);
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": ");
        fails(dir, "model.safetensors.index.json", "JSON");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        fails(dir, "model.safetensors.index.json", "weight_map");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"model.norm.weight\": \"../../etc/passwd\"}}");
        fails(dir, "model.safetensors.index.json", "../../etc/passwd");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"model.norm.weight\": \"a\\u0000b\"}}");
        fails(dir, "model.safetensors.index.json", "not a valid file name");
    }

    @Test
    void missingRequiredTensor() throws IOException {
        TinyHfModel m = TinyHfModel.of("Qwen2ForCausalLM");
        Path dir = m.write(tmp.resolve("q"), 1);
        Map<String, SafetensorsTestWriter.StoredTensor> tensors = new java.util.LinkedHashMap<>();
        for (String n : m.values.keySet()) if (!n.equals("model.layers.1.self_attn.k_proj.bias")) tensors.put(n, m.stored(n));
        SafetensorsTestWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        fails(dir, "model.layers.1.self_attn.k_proj.bias", "blk.1.attn_k.bias");
    }

    /** A corrupt layer count is checked against the tensors there are, without a name list of that length. */
    @Test
    void hugeLayerCountIsAMissingTensorNotAnOutOfMemoryError() throws IOException {
        Path dir = withConfig("layers", c -> c.put("num_hidden_layers", Integer.MAX_VALUE));
        fails(dir, "missing tensor 'model.layers.2.input_layernorm.weight'", "num_hidden_layers = 2147483647");
    }

    @Test
    void unknownTensorNameOrLayer() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        Path dir = m.write(tmp.resolve("u"), 1);
        Map<String, SafetensorsTestWriter.StoredTensor> tensors = new java.util.LinkedHashMap<>();
        for (String n : m.values.keySet()) tensors.put(n, m.stored(n));
        tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", SafetensorsTestWriter.f32(new long[] {2}, new float[] {1, 2}));
        SafetensorsTestWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        try (HfFolder f = HfFolder.open(dir)) {
            assertEquals(3 + 2 * 9, f.tensors().size(), "inv_freq buffers are skipped");
        }
        tensors.put("model.layers.0.mlp.experts.weight", SafetensorsTestWriter.f32(new long[] {2}, new float[] {1, 2}));
        SafetensorsTestWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        fails(dir, "model.layers.0.mlp.experts.weight");
        tensors.remove("model.layers.0.mlp.experts.weight");
        tensors.put("model.layers.5.mlp.up_proj.weight", SafetensorsTestWriter.f32(new long[] {2}, new float[] {1, 2}));
        SafetensorsTestWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        fails(dir, "model.layers.5.mlp.up_proj.weight", "num_hidden_layers");
    }

    /** Random character changes in config.json: the folder opens or fails with ModelFormatException, nothing else. */
    @Test
    void randomConfigCorruptionNeverEscapesAsAnotherException() throws IOException {
        TinyHfModel m = TinyHfModel.of("LlamaForCausalLM");
        m.extraConfig.put("rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0));
        Path dir = m.write(tmp.resolve("fuzz"), 1);
        String config = m.config().toString();
        String alphabet = "0123456789-\"{}[],:eE.ntrufalsy ";
        java.util.Random random = new java.util.Random(3);
        for (int round = 0; round < 300; round++) {
            char[] c = config.toCharArray();
            c[random.nextInt(c.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
            Files.writeString(dir.resolve("config.json"), new String(c));
            try {
                HfFolder.open(dir).close();
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().contains(dir.toString()), expected.getMessage());
            }
        }
    }

    @Test
    void corruptSafetensorsInFolderNamesTheFile() throws IOException {
        Path dir = TinyHfModel.of("LlamaForCausalLM").write(tmp.resolve("c"), 1);
        byte[] b = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(b, b.length - 3));
        fails(dir, "model.safetensors");
    }
}
