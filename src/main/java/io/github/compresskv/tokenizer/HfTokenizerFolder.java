package io.github.compresskv.tokenizer;

import io.github.compresskv.format.BoundedFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The tokenizer files of a Hugging Face model folder: tokenizer.json and/or tokenizer.model, with
 * tokenizer_config.json (BOS/EOS texts, add_bos_token, chat_template), generation_config.json (eos_token_id
 * lists) and chat_template.jinja. Builds the {@link Tokenizer} and feeds {@link TokenizerGgufExport}.
 */
final class HfTokenizerFolder {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_MODEL = "tokenizer.model";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final JsonNode config;
    final JsonNode generation;
    /** tokenizer.json parsed, or null when the folder has none. */
    final HfBpeSpec spec;
    /** tokenizer.model parsed, or null when the folder has none. */
    final SentencePieceModelFile sentencePiece;
    /** The chat template source, or null. */
    final String chatTemplate;

    private HfTokenizerFolder(Path dir) {
        this.dir = dir;
        Path json = dir.resolve(TOKENIZER_JSON), model = dir.resolve(TOKENIZER_MODEL);
        if (!Files.isRegularFile(json) && !Files.isRegularFile(model)) {
            throw new TokenizerException(dir + ": no tokenizer found (looked for " + TOKENIZER_JSON + " and "
                    + TOKENIZER_MODEL + ")");
        }
        this.config = readJson(dir.resolve("tokenizer_config.json"), false);
        this.generation = readJson(dir.resolve("generation_config.json"), false);
        this.spec = Files.isRegularFile(json) ? HfTokenizerJson.parse(readJson(json, true), json) : null;
        this.sentencePiece = Files.isRegularFile(model) ? SentencePieceModelFile.read(model) : null;
        this.chatTemplate = readChatTemplate();
    }

    static HfTokenizerFolder read(Path dir) {
        if (!Files.isDirectory(dir)) throw new TokenizerException(dir + ": not a directory");
        return new HfTokenizerFolder(dir);
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) throw new TokenizerException(file + ": missing");
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            JsonNode node = JSON.readTree(BoundedFiles.readAllBytes(file, BoundedFiles.MAX_TOKENIZER_BYTES, TokenizerException::new));
            if (node == null || !node.isObject()) throw new TokenizerException(file + ": not a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + ": invalid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()), e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private String readChatTemplate() {
        JsonNode t = config.get("chat_template");
        if (t != null && t.isTextual()) return t.asText();
        if (t != null && t.isArray()) { // [{name, template}, ...]: the default one, else the first
            for (JsonNode named : t) if ("default".equals(named.path("name").asText())) return named.path("template").asText();
            if (!t.isEmpty()) return t.get(0).path("template").asText();
        }
        Path file = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(file)) {
            try {
                return BoundedFiles.readString(file, BoundedFiles.MAX_CONFIG_BYTES, TokenizerException::new);
            } catch (IOException e) {
                throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
        return null;
    }

    /** A special-token text from tokenizer_config.json (a string or an AddedToken object); null when absent or null. */
    String configToken(String key) {
        JsonNode n = config.get(key);
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.path("content").isTextual()) return n.get("content").asText();
        throw new TokenizerException(dir.resolve("tokenizer_config.json") + ": '" + key
                + "' is neither a string nor a token object: " + n);
    }

    /** generation_config.json's ids under {@code key} (an integer or a list of them). */
    List<Integer> generationIds(String key) {
        List<Integer> out = new ArrayList<>();
        JsonNode n = generation.get(key);
        if (n == null) return out;
        if (n.canConvertToInt()) out.add(n.asInt());
        else for (JsonNode x : n) if (x.canConvertToInt()) out.add(x.asInt());
        return out;
    }

    /**
     * BOS/EOS rules: the TemplateProcessing post-processor decides whether BOS/EOS are added, unless
     * tokenizer_config.json says add_bos_token / add_eos_token explicitly; ids come from the template, else from
     * the config's token texts, else from generation_config.json.
     */
    SpecialTokenSettings settings(ToIntFunction<String> idOf, int[] prefix, int[] suffix, boolean defaultAddBos,
                                  int defaultBos, int defaultEos, java.util.function.IntFunction<String> pieceOf) {
        int bos = prefix.length > 0 ? prefix[0] : idOrMinus(idOf, configToken("bos_token"));
        if (bos < 0 && !config.has("bos_token")) bos = first(generationIds("bos_token_id"), defaultBos);
        int eos = idOrMinus(idOf, configToken("eos_token"));
        if (eos < 0 && suffix.length > 0) eos = suffix[suffix.length - 1];
        if (eos < 0 && !config.has("eos_token")) eos = first(generationIds("eos_token_id"), defaultEos);
        boolean addBos = config.path("add_bos_token").isBoolean() ? config.get("add_bos_token").asBoolean()
                : (spec != null && spec.hasTemplate() ? prefix.length > 0 : defaultAddBos);
        boolean addEos = config.path("add_eos_token").isBoolean() ? config.get("add_eos_token").asBoolean()
                : suffix.length > 0;
        List<Integer> fileIds = new ArrayList<>(generationIds("eos_token_id"));
        fileIds.add(eos);
        ChatTemplate template = chatTemplate == null ? null : new ChatTemplate(chatTemplate,
                textOf(configToken("bos_token"), bos, pieceOf), textOf(configToken("eos_token"), eos, pieceOf));
        return new SpecialTokenSettings(bos, eos, addBos, addEos, EndOfGeneration.of(fileIds, idOf), template);
    }

    private static String textOf(String configured, int id, java.util.function.IntFunction<String> pieceOf) {
        if (configured != null) return configured;
        return id >= 0 ? pieceOf.apply(id) : "";
    }

    private static int idOrMinus(ToIntFunction<String> idOf, String text) { return text == null ? -1 : idOf.applyAsInt(text); }

    private static int first(List<Integer> ids, int fallback) { return ids.isEmpty() ? fallback : ids.get(0); }

    Tokenizer tokenizer() {
        if (spec != null) return bpeTokenizer();
        return sentencePieceTokenizer();
    }

    private Tokenizer bpeTokenizer() {
        String[] pieces = spec.pieces();
        java.util.Map<String, Integer> vocab = new java.util.HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) vocab.putIfAbsent(pieces[i], i);
        for (AddedToken t : spec.addedTokens()) vocab.put(t.content(), t.id());
        ToIntFunction<String> idOf = s -> vocab.getOrDefault(s, -1);
        SpecialTokenSettings settings = settings(idOf, spec.templatePrefix(), spec.templateSuffix(), false, -1, -1,
                i -> pieces[i]);
        BpeModel model = new BpeModel(vocab, spec.merges(), spec.unkId(), spec.fuseUnk(), spec.byteFallback(),
                spec.ignoreMerges(), dir.resolve(TOKENIZER_JSON).toString());
        return new BpeTokenizer(pieces, spec.addedTokens(), settings, spec.normalizer(), spec.preTokenizer(), model,
                spec.decoder());
    }

    private Tokenizer sentencePieceTokenizer() {
        SentencePieceModelFile sp = sentencePiece;
        Path file = dir.resolve(TOKENIZER_MODEL);
        checkSupported(sp, file.toString());
        int n = sp.pieces().size();
        String[] pieces = new String[n];
        float[] scores = new float[n];
        TokenType[] types = new TokenType[n];
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            pieces[i] = sp.pieces().get(i).text();
            scores[i] = sp.pieces().get(i).score();
            types[i] = sp.pieces().get(i).type();
            ids.putIfAbsent(pieces[i], i);
        }
        ToIntFunction<String> idOf = s -> ids.getOrDefault(s, -1);
        SpecialTokenSettings settings = settings(idOf, new int[0], new int[0], true, sp.bosId(), sp.eosId(),
                i -> pieces[i]);
        return new SentencePieceTokenizer(pieces, scores, types, settings, sp.unkId(), sp.addDummyPrefix(),
                sp.removeExtraWhitespaces(), file.toString());
    }

    static void checkSupported(SentencePieceModelFile sp, String source) {
        if (sp.modelType() != SentencePieceModelFile.MODEL_BPE) {
            throw new TokenizerException(source + ": SentencePiece model type " + sp.modelType()
                    + (sp.modelType() == SentencePieceModelFile.MODEL_UNIGRAM ? " (unigram)" : "")
                    + " is not supported (supported: BPE)");
        }
        if (sp.hasCharsMap()) {
            throw new TokenizerException(source + ": SentencePiece normalizer '" + sp.normalizerName()
                    + "' (a precompiled character map) is not supported (supported: identity)");
        }
    }
}
