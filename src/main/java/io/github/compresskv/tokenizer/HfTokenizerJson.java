package io.github.compresskv.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads a Hugging Face tokenizer.json (BPE models) into an {@link HfBpeSpec}; anything unsupported is named in the error. */
final class HfTokenizerJson {
    /**
     * Ids below the largest that a file may leave without a token (real files have none, or a few between the
     * vocabulary and the added tokens; cut-down test files some thousands).
     */
    static final int MAX_UNUSED_IDS = 1 << 16;

    private final Path file;

    private HfTokenizerJson(Path file) { this.file = file; }

    static HfBpeSpec parse(JsonNode root, Path file) { return new HfTokenizerJson(file).parse(root); }

    private TokenizerException error(String what) { return new TokenizerException(file + ": " + what); }

    private HfBpeSpec parse(JsonNode root) {
        if (root == null || !root.isObject()) throw error("not a JSON object");
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw error("missing 'model' (the tokenizer model section)");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw error("unsupported tokenizer model type '" + type + "' (supported: BPE)");
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) throw error("model.vocab is missing or not an object");
        List<AddedToken> added = addedTokens(root.get("added_tokens"));
        long size = 0;
        String largest = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw error("model.vocab['" + e.getKey() + "'] is not a token id: " + e.getValue());
            }
            if (e.getValue().asInt() + 1L > size) {
                size = e.getValue().asInt() + 1L;
                largest = "model.vocab['" + e.getKey() + "']";
            }
        }
        for (AddedToken t : added) {
            if (t.id() + 1L > size) {
                size = t.id() + 1L;
                largest = "added token '" + t.content() + "'";
            }
        }
        // Ids index an array and every unused one becomes a [PAD<id>] piece: one corrupt id would otherwise cost
        // memory in proportion to its value rather than to the file.
        long listed = (long) vocab.size() + added.size();
        if (size > listed + MAX_UNUSED_IDS) {
            throw error(largest + " has id " + (size - 1) + ", which leaves " + (size - listed) + " ids unused among "
                    + listed + " listed tokens (at most " + MAX_UNUSED_IDS + " may be)");
        }
        String[] pieces = new String[(int) size];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            pieces[e.getValue().asInt()] = e.getKey();
        }
        for (AddedToken t : added) pieces[t.id()] = t.content();
        for (int i = 0; i < pieces.length; i++) if (pieces[i] == null) pieces[i] = "[PAD" + i + "]";

        String[][] merges = merges(model.get("merges"));
        String unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
        int unkId = -1;
        if (unk != null) {
            JsonNode id = vocab.get(unk);
            if (id == null) throw error("model.unk_token '" + unk + "' is not in the vocabulary");
            unkId = id.asInt();
        }
        for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.path(field).isTextual() && !model.get(field).asText().isEmpty()) {
                throw error("model." + field + " '" + model.get(field).asText() + "' is not supported");
            }
        }
        HfNormalizer normalizer = normalizer(root.get("normalizer"));
        HfPreTokenizer pre = preTokenizer(root.get("pre_tokenizer"));
        HfDecoder decoder = decoder(root.get("decoder"));
        List<Integer> prefix = new ArrayList<>(), suffix = new ArrayList<>();
        boolean hasTemplate = postProcessor(root.get("post_processor"), prefix, suffix);
        return new HfBpeSpec(pieces, merges, added, unkId, model.path("fuse_unk").asBoolean(false),
                model.path("byte_fallback").asBoolean(false), model.path("ignore_merges").asBoolean(false),
                normalizer, pre, decoder, prefix.stream().mapToInt(Integer::intValue).toArray(),
                suffix.stream().mapToInt(Integer::intValue).toArray(), hasTemplate);
    }

    private List<AddedToken> addedTokens(JsonNode node) {
        List<AddedToken> out = new ArrayList<>();
        if (node == null || node.isNull()) return out;
        if (!node.isArray()) throw error("'added_tokens' is not an array");
        for (JsonNode t : node) {
            if (!t.path("id").canConvertToInt() || t.get("id").asInt() < 0 || !t.path("content").isTextual()) {
                throw error("added token without a token id 'id' and string 'content': " + t);
            }
            out.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false)));
        }
        return out;
    }

    private String[][] merges(JsonNode node) {
        if (node == null || node.isNull()) return new String[0][];
        if (!node.isArray()) throw error("model.merges is not an array");
        String[][] out = new String[node.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode m = node.get(i);
            if (m.isTextual()) {
                String[] parts = m.asText().split(" ", -1);
                if (parts.length != 2) throw error("merge " + (i + 1) + " '" + m.asText() + "' is not two tokens");
                out[i] = parts;
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                out[i] = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                throw error("merge " + (i + 1) + " is neither \"a b\" nor [a, b]: " + m);
            }
        }
        return out;
    }

    private String typeOf(JsonNode node, String section) {
        if (!node.path("type").isTextual()) throw error(section + " has no 'type': " + node);
        return node.get("type").asText();
    }

    private HfNormalizer normalizer(JsonNode node) {
        if (node == null || node.isNull()) return null;
        String type = typeOf(node, "normalizer");
        return switch (type) {
            case "NFC" -> new HfNormalizer.UnicodeForm(Normalizer.Form.NFC);
            case "NFD" -> new HfNormalizer.UnicodeForm(Normalizer.Form.NFD);
            case "NFKC" -> new HfNormalizer.UnicodeForm(Normalizer.Form.NFKC);
            case "NFKD" -> new HfNormalizer.UnicodeForm(Normalizer.Form.NFKD);
            case "Prepend" -> new HfNormalizer.Prepend(node.path("prepend").asText());
            case "Replace" -> new HfNormalizer.Replace(literalPattern(node, "normalizer"), node.path("content").asText());
            case "Sequence" -> {
                List<HfNormalizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("normalizers")) steps.add(normalizer(n));
                yield new HfNormalizer.Sequence(steps);
            }
            default -> throw error("unsupported normalizer type '" + type + "'");
        };
    }

    private String literalPattern(JsonNode node, String section) {
        JsonNode p = node.get("pattern");
        if (p != null && p.path("String").isTextual()) return p.get("String").asText();
        throw error(section + " Replace with a non-literal pattern is not supported: " + p);
    }

    private HfPreTokenizer preTokenizer(JsonNode node) {
        if (node == null || node.isNull()) return null;
        String type = typeOf(node, "pre_tokenizer");
        return switch (type) {
            case "Split" -> {
                JsonNode p = node.path("pattern");
                String behavior = node.path("behavior").asText();
                if (!behavior.equals("Isolated") || node.path("invert").asBoolean(false)) {
                    throw error("pre_tokenizer Split with behavior '" + behavior + "' / invert is not supported");
                }
                if (!p.path("Regex").isTextual()) throw error("pre_tokenizer Split without a Regex pattern: " + p);
                String regex = p.get("Regex").asText();
                yield new HfPreTokenizer.Split(PreTokenizerRegex.fromHfPattern(regex).orElseThrow(() ->
                        error("unknown pre-tokenizer regex '" + regex + "' (known: llama-bpe, qwen2, gpt-2)")));
            }
            case "ByteLevel" -> new HfPreTokenizer.ByteLevelStep(node.path("add_prefix_space").asBoolean(false),
                    node.path("use_regex").asBoolean(true));
            case "Metaspace" -> new HfPreTokenizer.Metaspace(node.path("replacement").asText("\u2581"),
                    prependScheme(node), node.path("split").asBoolean(true));
            case "Sequence" -> {
                List<HfPreTokenizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("pretokenizers")) steps.add(preTokenizer(n));
                yield new HfPreTokenizer.Sequence(steps);
            }
            default -> throw error("unsupported pre_tokenizer type '" + type + "'");
        };
    }

    private HfPreTokenizer.Metaspace.PrependScheme prependScheme(JsonNode node) {
        if (node.has("prepend_scheme")) {
            return switch (node.get("prepend_scheme").asText()) {
                case "always" -> HfPreTokenizer.Metaspace.PrependScheme.ALWAYS;
                case "first" -> HfPreTokenizer.Metaspace.PrependScheme.FIRST;
                case "never" -> HfPreTokenizer.Metaspace.PrependScheme.NEVER;
                default -> throw error("unknown Metaspace prepend_scheme '" + node.get("prepend_scheme").asText() + "'");
            };
        }
        // files older than prepend_scheme have add_prefix_space
        return node.path("add_prefix_space").asBoolean(true) ? HfPreTokenizer.Metaspace.PrependScheme.ALWAYS
                : HfPreTokenizer.Metaspace.PrependScheme.NEVER;
    }

    private HfDecoder decoder(JsonNode node) {
        if (node == null || node.isNull()) return null;
        String type = typeOf(node, "decoder");
        return switch (type) {
            case "ByteLevel" -> new HfDecoder.ByteLevelStep();
            case "Replace" -> new HfDecoder.Replace(literalPattern(node, "decoder"), node.path("content").asText());
            case "ByteFallback" -> new HfDecoder.ByteFallback();
            case "Fuse" -> new HfDecoder.Fuse();
            case "Strip" -> new HfDecoder.Strip(stripCharacter(node), node.path("start").asInt(0), node.path("stop").asInt(0));
            case "Metaspace" -> new HfDecoder.Metaspace(node.path("replacement").asText("\u2581"),
                    prependScheme(node) != HfPreTokenizer.Metaspace.PrependScheme.NEVER);
            case "Sequence" -> {
                List<HfDecoder> steps = new ArrayList<>();
                for (JsonNode n : node.path("decoders")) steps.add(decoder(n));
                yield new HfDecoder.Sequence(steps);
            }
            default -> throw error("unsupported decoder type '" + type + "'");
        };
    }

    /** The character a Strip decoder removes: one character, as in Hugging Face's (a Rust {@code char}). */
    private int stripCharacter(JsonNode node) {
        String content = node.path("content").asText(" ");
        if (content.codePointCount(0, content.length()) != 1) {
            throw error("decoder Strip 'content' should be one character, got '" + content + "'");
        }
        return content.codePointAt(0);
    }

    /** Collects the special-token ids a TemplateProcessing puts around a single text; true when one exists. */
    private boolean postProcessor(JsonNode node, List<Integer> prefix, List<Integer> suffix) {
        if (node == null || node.isNull()) return false;
        String type = typeOf(node, "post_processor");
        switch (type) {
            case "ByteLevel":
                return false;
            case "Sequence": {
                boolean any = false;
                for (JsonNode n : node.path("processors")) any |= postProcessor(n, prefix, suffix);
                return any;
            }
            case "TemplateProcessing": {
                boolean seenSequence = false;
                for (JsonNode item : node.path("single")) {
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        JsonNode ids = node.path("special_tokens").path(name).path("ids");
                        if (!ids.isArray() || ids.isEmpty()) {
                            throw error("post_processor special token '" + name + "' has no ids");
                        }
                        for (JsonNode id : ids) (seenSequence ? suffix : prefix).add(id.asInt());
                    }
                }
                return true;
            }
            default:
                throw error("unsupported post_processor type '" + type + "'");
        }
    }
}
