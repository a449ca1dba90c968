package io.github.compresskv.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code config.json} translated into GGUF metadata keys, as llama.cpp's converter writes them
 * (the table is in docs/architecture.md and docs/file-formats.md). Mistral becomes {@code llama}, as in llama.cpp.
 */
final class HfConfig {

    /** HF architecture class → GGUF {@code general.architecture}. */
    static final Map<String, String> ARCHITECTURES = Map.of(
            "LlamaForCausalLM", "llama",
            "MistralForCausalLM", "llama",
            "Qwen2ForCausalLM", "qwen2",
            "Qwen3ForCausalLM", "qwen3");

    /** Our own key (GGUF says "tied" by leaving output.weight out); kept so sources can report it. */
    static final String TIE_WORD_EMBEDDINGS_KEY = "compresskv.tie_word_embeddings";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path file;
    private final JsonNode root;

    private HfConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads and parses config.json; bad JSON or a non-object is a ModelFormatException naming the file. */
    static HfConfig read(Path file) {
        byte[] bytes;
        try {
            bytes = BoundedFiles.readAllBytes(file, BoundedFiles.MAX_CONFIG_BYTES, ModelFormatException::new);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file + ": should hold a JSON object but is " + (root == null ? "empty" : root.getNodeType()));
        }
        return new HfConfig(file, root);
    }

    /** The GGUF architecture name (llama, qwen2, qwen3) from the {@code architectures} field. */
    String ggufArchitecture() {
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new ModelFormatException(file + ": field 'architectures' should be a non-empty array of class names, got " + archs);
        }
        String hf = archs.get(0).textValue();
        String arch = ARCHITECTURES.get(hf);
        if (arch == null) {
            throw new ModelFormatException(file + ": field 'architectures' is " + archs + "; supported: "
                    + List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"));
        }
        return arch;
    }

    boolean tieWordEmbeddings() { return bool(root, "tie_word_embeddings", false); }

    /** Llama's optional q/k/v/o biases; Qwen2 always has q/k/v biases whatever this says. */
    boolean attentionBias() { return bool(root, "attention_bias", false); }

    int blockCount() { return positiveInt(root, "num_hidden_layers"); }

    /** The GGUF metadata of this config (no tokenizer keys); {@code name} becomes general.name. */
    Metadata toMetadata(String name) {
        String arch = ggufArchitecture();
        int hidden = positiveInt(root, "hidden_size");
        int heads = positiveInt(root, "num_attention_heads");
        int kvHeads = has(root, "num_key_value_heads") ? positiveInt(root, "num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(file + ": num_attention_heads (" + heads + ") should be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
        int headDim;
        if (has(root, "head_dim")) {
            headDim = positiveInt(root, "head_dim");
        } else {
            if (hidden % heads != 0) {
                throw new ModelFormatException(file + ": hidden_size (" + hidden + ") should be a multiple of num_attention_heads (" + heads + ") when head_dim is absent");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw new ModelFormatException(file + ": head dimension " + headDim + " should be even for RoPE");

        Metadata.Builder b = new Metadata.Builder(file.toString());
        b.putString("general.architecture", arch);
        b.putString("general.name", name);
        b.putUInt32(arch + ".vocab_size", positiveInt(root, "vocab_size"));
        b.putUInt32(arch + ".context_length", positiveInt(root, "max_position_embeddings"));
        b.putUInt32(arch + ".embedding_length", hidden);
        b.putUInt32(arch + ".block_count", blockCount());
        b.putUInt32(arch + ".feed_forward_length", positiveInt(root, "intermediate_size"));
        b.putUInt32(arch + ".attention.head_count", heads);
        b.putUInt32(arch + ".attention.head_count_kv", kvHeads);
        b.putUInt32(arch + ".attention.key_length", headDim);
        b.putUInt32(arch + ".attention.value_length", headDim);
        b.putFloat32(arch + ".attention.layer_norm_rms_epsilon", (float) positiveDouble(root, "rms_norm_eps", 1e-6, "rms_norm_eps"));
        putRope(b, arch, headDim);
        b.putBool(TIE_WORD_EMBEDDINGS_KEY, tieWordEmbeddings());
        return b.build();
    }

    /**
     * RoPE base and llama-3 scaling. Transformers before v5 write {@code rope_theta} and {@code rope_scaling};
     * v5 writes both into {@code rope_parameters} (possibly per layer type; we take {@code full_attention}).
     */
    private void putRope(Metadata.Builder b, String arch, int headDim) {
        JsonNode params = root.get("rope_parameters");
        String paramsField = "rope_parameters";
        if (params != null && params.has("full_attention")) {
            params = params.get("full_attention");
            paramsField = "rope_parameters.full_attention";
        }
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new ModelFormatException(file + ": field '" + paramsField + "' should be an object, got " + params);
        }
        double theta = 10000.0;
        if (params != null && params.isObject() && has(params, "rope_theta")) {
            theta = positiveDouble(params, "rope_theta", theta, paramsField + ".rope_theta");
        } else if (has(root, "rope_theta")) {
            theta = positiveDouble(root, "rope_theta", theta, "rope_theta");
        }
        b.putFloat32(arch + ".rope.freq_base", (float) theta);
        b.putUInt32(arch + ".rope.dimension_count", headDim);

        JsonNode scaling = root.get("rope_scaling");
        String scalingField = "rope_scaling";
        if (scaling == null || scaling.isNull()) {
            scaling = params;
            scalingField = paramsField;
        }
        if (scaling == null || scaling.isNull()) return;
        if (!scaling.isObject()) throw new ModelFormatException(file + ": field '" + scalingField + "' should be an object, got " + scaling);
        JsonNode typeNode = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
        switch (type) {
            case "default" -> { }
            case "llama3" -> {
                b.putString(arch + ".rope.scaling.type", "llama3");
                b.putFloat32(arch + ".rope.scaling.factor", (float) positiveDouble(scaling, "factor", 8.0, scalingField + ".factor"));
                b.putFloat32(arch + ".rope.scaling.low_freq_factor", (float) positiveDouble(scaling, "low_freq_factor", 1.0, scalingField + ".low_freq_factor"));
                b.putFloat32(arch + ".rope.scaling.high_freq_factor", (float) positiveDouble(scaling, "high_freq_factor", 4.0, scalingField + ".high_freq_factor"));
                int original = has(scaling, "original_max_position_embeddings")
                        ? positiveInt(scaling, "original_max_position_embeddings", scalingField + ".original_max_position_embeddings")
                        : 8192;
                b.putUInt32(arch + ".rope.scaling.original_context_length", original);
            }
            default -> throw new ModelFormatException(file + ": field '" + scalingField + "' has rope type '" + type
                    + "', which is not supported (supported: default, llama3)");
        }
    }

    private static boolean has(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        return n != null && !n.isNull();
    }

    private boolean bool(JsonNode obj, String field, boolean fallback) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return fallback;
        if (!n.isBoolean()) throw new ModelFormatException(file + ": field '" + field + "' should be true or false, got " + n);
        return n.booleanValue();
    }

    private int positiveInt(JsonNode obj, String field) { return positiveInt(obj, field, field); }

    private int positiveInt(JsonNode obj, String field, String shownName) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) throw new ModelFormatException(file + ": missing field '" + shownName + "'");
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
            throw new ModelFormatException(file + ": field '" + shownName + "' should be a positive 32-bit integer, got " + n);
        }
        return n.intValue();
    }

    private double positiveDouble(JsonNode obj, String field, double fallback, String shownName) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return fallback;
        if (!n.isNumber() || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
            throw new ModelFormatException(file + ": field '" + shownName + "' should be a positive number, got " + n);
        }
        return n.doubleValue();
    }
}
