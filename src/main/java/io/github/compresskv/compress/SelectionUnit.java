package io.github.compresskv.compress;

import java.util.Locale;

/**
 * What a selector keeps: single tokens (the paper), fixed chunks of {@code size} tokens aligned from the prompt start
 * (ChunkKV), or sentences and lines, split into near-equal pieces when longer than {@code size} tokens (SentenceKV).
 * A unit's score aggregates its tokens' scores ({@link Aggregation}); a head's budget is filled with the best whole
 * units, and only the last unit taken may be cut, so budgets are met row for row.
 *
 * @param size chunk length for CHUNK, the longest unit for SENTENCE; 1 for TOKEN
 */
public record SelectionUnit(Kind kind, int size, Aggregation aggregation) {

    /** The kinds of unit, by their {@code --unit} name. */
    public enum Kind { TOKEN, CHUNK, SENTENCE }

    /** How the scores of a unit's tokens become the unit's score. */
    public enum Aggregation {
        /** Sum of the token scores (ChunkKV): long units with many relevant tokens rank high. */
        SUM,
        /** Mean of the token scores: units are compared by their density, whatever their length. */
        MEAN
    }

    public static final int DEFAULT_CHUNK = 10;
    public static final int DEFAULT_SENTENCE_CAP = 48;

    public SelectionUnit {
        if (kind == null) throw new CompressionException("--unit: no unit given");
        if (aggregation == null) aggregation = Aggregation.SUM;
        if (kind == Kind.TOKEN) size = 1;
        if (size < 1) {
            throw new CompressionException((kind == Kind.CHUNK ? "--chunk-size" : "--sentence-cap") + " must be ≥ 1, got " + size);
        }
    }

    public static SelectionUnit token() { return new SelectionUnit(Kind.TOKEN, 1, Aggregation.SUM); }

    public static SelectionUnit chunk(int size) { return new SelectionUnit(Kind.CHUNK, size, Aggregation.SUM); }

    public static SelectionUnit sentence(int cap) { return new SelectionUnit(Kind.SENTENCE, cap, Aggregation.SUM); }

    public SelectionUnit withAggregation(Aggregation a) { return new SelectionUnit(kind, size, a); }

    public boolean isToken() { return kind == Kind.TOKEN; }

    /** Fails when a chunk is larger than {@code budget} (named {@code budgetName} in the message): it could never be kept whole. */
    public void requireFits(int budget, String budgetName) {
        if (kind == Kind.CHUNK && size > budget) {
            throw new CompressionException("--chunk-size " + size + " is larger than " + budgetName + " " + budget + "; a chunk must fit the budget");
        }
    }

    /**
     * The unit named {@code name} ({@code token}, {@code chunk}, {@code sentence}; case-insensitive) with the given
     * chunk size or sentence cap; an unknown name lists the valid ones.
     */
    public static SelectionUnit parse(String name, int chunkSize, int sentenceCap) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "token" -> token();
            case "chunk" -> chunk(chunkSize);
            case "sentence" -> sentence(sentenceCap);
            default -> throw new CompressionException("unknown --unit '" + name + "'; valid: token, chunk, sentence");
        };
    }

    /**
     * A unit from its settings ({@code --unit}, {@code --chunk-size}, {@code --sentence-cap}, {@code --unit-score}):
     * {@code name} is token, chunk, sentence, or a label such as {@code chunk16}, {@code sentence24-mean}.
     */
    public static SelectionUnit of(String name, int chunkSize, int sentenceCap, String score) {
        if (chunkSize < 1) throw new CompressionException("--chunk-size must be ≥ 1, got " + chunkSize);
        if (sentenceCap < 1) throw new CompressionException("--sentence-cap must be ≥ 1, got " + sentenceCap);
        Aggregation a = switch (score == null ? "" : score.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "sum" -> Aggregation.SUM;
            case "mean" -> Aggregation.MEAN;
            default -> throw new CompressionException("unknown --unit-score '" + score + "'; valid: sum, mean");
        };
        String n = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("token") || n.equals("chunk") || n.equals("sentence")) return parse(n, chunkSize, sentenceCap).withAggregation(a);
        try {
            return fromLabel(n); // a label as run folders show it: chunk16, sentence, sentence24-mean
        } catch (CompressionException e) {
            throw new CompressionException("unknown --unit '" + name + "'; valid: token, chunk, sentence, or a label such as chunk16, sentence24, sentence-mean");
        }
    }

    /** Short name for tables and run folders: {@code token}, {@code chunk10}, {@code sentence} (the default cap) or {@code sentence16}. */
    public String label() {
        String base = switch (kind) {
            case TOKEN -> "token";
            case CHUNK -> "chunk" + size;
            case SENTENCE -> size == DEFAULT_SENTENCE_CAP ? "sentence" : "sentence" + size;
        };
        return aggregation == Aggregation.SUM || kind == Kind.TOKEN ? base : base + "-mean";
    }

    /** The unit of a {@link #label()} (the inverse, for reading run folders). */
    public static SelectionUnit fromLabel(String label) {
        String l = label.strip().toLowerCase(Locale.ROOT);
        Aggregation a = Aggregation.SUM;
        if (l.endsWith("-mean")) { a = Aggregation.MEAN; l = l.substring(0, l.length() - 5); }
        try {
            if (l.equals("token")) return token();
            if (l.startsWith("chunk")) return chunk(l.length() == 5 ? DEFAULT_CHUNK : Integer.parseInt(l.substring(5))).withAggregation(a);
            if (l.startsWith("sentence")) return sentence(l.length() == 8 ? DEFAULT_SENTENCE_CAP : Integer.parseInt(l.substring(8))).withAggregation(a);
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new CompressionException("unknown unit '" + label + "'; valid: token, chunkN, sentence, sentenceN, each optionally with -mean");
    }

    @Override
    public String toString() { return label(); }
}
