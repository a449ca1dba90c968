package io.github.compresskv.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint folder ({@code config.json} + {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json}) presented in GGUF conventions: config.json becomes llama.cpp's
 * metadata keys, tensors get llama.cpp's names, shapes are in ggml order, data stays memory-mapped.
 * Q/K rows keep the Hugging Face (half-split RoPE) layout.
 */
public final class HfFolder implements ModelSource {

    public static final String CONFIG = "config.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path dir;
    private final Metadata metadata;
    private final Map<String, TensorData> tensors;
    private final List<Safetensors> files;

    private HfFolder(Path dir, Metadata metadata, Map<String, TensorData> tensors, List<Safetensors> files) {
        this.dir = dir;
        this.metadata = metadata;
        this.tensors = tensors;
        this.files = files;
    }

    /** Opens and validates the folder; every problem is a ModelFormatException naming the file and field. */
    public static HfFolder open(Path dir) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": not a folder");
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) throw new ModelFormatException(dir + ": missing " + CONFIG);
        HfConfig config = HfConfig.read(configFile);
        Metadata metadata = config.toMetadata(folderName(dir));

        List<Safetensors> files = new ArrayList<>();
        try {
            Map<String, TensorData> hfTensors = Files.isRegularFile(dir.resolve(INDEX_FILE))
                    ? openShards(dir, dir.resolve(INDEX_FILE), files)
                    : openSingle(dir, files);
            Map<String, TensorData> tensors = translate(dir, config, hfTensors);
            return new HfFolder(dir, metadata, Collections.unmodifiableMap(tensors), List.copyOf(files));
        } catch (RuntimeException e) {
            for (Safetensors f : files) f.close();
            throw e;
        }
    }

    private static String folderName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    private static Map<String, TensorData> openSingle(Path dir, List<Safetensors> files) {
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new ModelFormatException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
        }
        Safetensors s = Safetensors.open(single);
        files.add(s);
        return s.tensors();
    }

    /** Opens every shard the index names, checking that each shard exists and holds exactly its listed tensors. */
    private static Map<String, TensorData> openShards(Path dir, Path index, List<Safetensors> files) {
        JsonNode root;
        try {
            root = JSON.readTree(BoundedFiles.readAllBytes(index, BoundedFiles.MAX_CONFIG_BYTES, ModelFormatException::new));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new ModelFormatException(index + ": field 'weight_map' should be a non-empty object of tensor name → shard file");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        Set<String> shardNames = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(index + ": weight_map entry '" + e.getKey() + "' should name a shard file, got " + e.getValue());
            }
            shardOf.put(e.getKey(), e.getValue().textValue());
            shardNames.add(e.getValue().textValue());
        }
        Path base = dir.toAbsolutePath().normalize();
        Map<String, Safetensors> shards = new LinkedHashMap<>();
        for (String shardName : shardNames.stream().sorted().toList()) {
            Path shard;
            try {
                shard = base.resolve(shardName).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new ModelFormatException(index + ": shard name '" + shardName + "' is not a valid file name");
            }
            if (!shard.startsWith(base) || !Files.isRegularFile(shard)) {
                String example = shardOf.entrySet().stream().filter(x -> x.getValue().equals(shardName)).findFirst().orElseThrow().getKey();
                throw new ModelFormatException(index + ": shard '" + shardName + "' (listed for tensor '" + example + "') does not exist in " + dir);
            }
            Safetensors s = Safetensors.open(shard);
            files.add(s);
            shards.put(shardName, s);
        }
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Safetensors> e : shards.entrySet()) {
            for (TensorData t : e.getValue().tensors().values()) {
                String listed = shardOf.get(t.name());
                if (!e.getKey().equals(listed)) {
                    throw new ModelFormatException(e.getValue().path() + ": holds tensor '" + t.name() + "', which " + index.getFileName()
                            + (listed == null ? " does not list" : " lists in shard '" + listed + "'"));
                }
                out.put(t.name(), t);
            }
        }
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!out.containsKey(e.getKey())) {
                throw new ModelFormatException(index + ": tensor '" + e.getKey() + "' is listed in shard '" + e.getValue() + "', which does not contain it");
            }
        }
        return out;
    }

    /** HF names → GGUF names; the tied lm_head is dropped; required tensors are checked. */
    private static Map<String, TensorData> translate(Path dir, HfConfig config, Map<String, TensorData> hfTensors) {
        String arch = config.ggufArchitecture();
        int blocks = config.blockCount();
        boolean tied = config.tieWordEmbeddings();
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (TensorData t : hfTensors.values()) {
            if (HfTensorNames.isIgnored(t.name())) continue;
            String gguf = HfTensorNames.toGguf(t.name());
            if (gguf == null) {
                throw new ModelFormatException(dir + ": tensor '" + t.name() + "' is not a known " + arch + " tensor name");
            }
            int layer = HfTensorNames.layerOf(gguf);
            if (layer >= blocks) {
                throw new ModelFormatException(dir + ": tensor '" + t.name() + "' belongs to layer " + layer
                        + " but config.json says num_hidden_layers = " + blocks);
            }
            if (tied && gguf.equals("output.weight")) continue;
            out.put(gguf, new TensorData(gguf, t.type(), t.ne(), t.data()));
        }
        checkRequiredTensors(dir, out, arch, blocks, tied, config.attentionBias());
        return out;
    }

    /**
     * Checks every tensor the architecture needs, layer by layer, stopping at the first missing one. The layer
     * count comes from config.json: no list of names is built for it, so a corrupt count costs as many checks as
     * there are tensors, not an OutOfMemoryError.
     */
    private static void checkRequiredTensors(Path dir, Map<String, TensorData> tensors, String arch, int blocks,
                                             boolean tied, boolean llamaBias) {
        List<String> global = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight"));
        if (!tied) global.add("output.weight");
        for (String name : global) requireTensor(dir, tensors, name, "");
        List<String> perLayer = new ArrayList<>(List.of("attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
                "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"));
        switch (arch) {
            case "qwen2" -> perLayer.addAll(List.of("attn_q.bias", "attn_k.bias", "attn_v.bias"));
            case "qwen3" -> perLayer.addAll(List.of("attn_q_norm.weight", "attn_k_norm.weight"));
            default -> { if (llamaBias) perLayer.addAll(List.of("attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.bias")); }
        }
        String layers = " (config.json: num_hidden_layers = " + blocks + ")";
        for (int i = 0; i < blocks; i++) for (String p : perLayer) requireTensor(dir, tensors, "blk." + i + "." + p, layers);
    }

    private static void requireTensor(Path dir, Map<String, TensorData> tensors, String gguf, String context) {
        if (!tensors.containsKey(gguf)) {
            throw new ModelFormatException(dir + ": missing tensor '" + HfTensorNames.toHf(gguf) + "' (GGUF name '" + gguf + "')" + context);
        }
    }

    @Override public Path path() { return dir; }
    @Override public Metadata metadata() { return metadata; }
    @Override public Map<String, TensorData> tensors() { return tensors; }
    @Override public Optional<Path> huggingFaceDir() { return Optional.of(dir); }

    /** Hugging Face checkpoints keep Q/K rows in half-split order. */
    @Override public boolean qkPermutedForInterleavedRope() { return false; }

    /** Whether config.json ties the output projection to the token embeddings (then output.weight is absent). */
    public boolean tieWordEmbeddings() { return metadata.getBool(HfConfig.TIE_WORD_EMBEDDINGS_KEY, false); }

    @Override
    public void close() {
        for (Safetensors f : files) f.close();
    }
}
