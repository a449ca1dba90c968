package io.github.compresskv.compress;

import io.github.compresskv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Where sentences and lines end in a token sequence, from each token's decoded bytes (so SentencePiece's {@code ▁}
 * and byte-level BPE's {@code Ġ}/{@code Ċ} pieces are read as the spaces and newlines they stand for). A unit ends
 * after a token that holds a line break, after a token whose text ends with {@code .}, {@code !} or {@code ?}
 * (closing quotes and brackets may follow) when a space or the end of the sequence comes next ("3.14" stays one
 * unit), and on both sides of a special token (BOS, chat markers). Tokens may be appended as they are consumed.
 * Not thread-safe.
 */
public final class SentenceEnds {
    private static final byte NEWLINE = 1, TERMINAL = 2, TRAILING_SPACE = 4, LEADING_SPACE = 8, SPECIAL = 16;

    private final Tokenizer tokenizer;
    private byte[] features = new byte[64];
    private int size;
    private int[] sentenceIndex;

    public SentenceEnds(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The sentence ends of {@code tokens} (index 0 = the first token). */
    public static SentenceEnds of(Tokenizer tokenizer, int[] tokens) {
        SentenceEnds e = new SentenceEnds(tokenizer);
        for (int t : tokens) e.append(t);
        return e;
    }

    /** Adds the next token of the sequence. */
    public void append(int token) {
        if (size == features.length) features = Arrays.copyOf(features, size * 2);
        features[size++] = tokenizer.isSpecial(token) ? SPECIAL : classify(tokenizer.tokenBytes(token, false));
        sentenceIndex = null;
    }

    /**
     * Sets token {@code index} and forgets the tokens after it: the sequence has continued differently from there
     * (another fork); {@code index} = {@link #size()} appends.
     */
    public void set(int index, int token) {
        if (index < 0 || index > size) throw new IndexOutOfBoundsException("token index " + index + " of " + size);
        size = index;
        append(token);
    }

    public int size() { return size; }

    /** Whether a unit ends after token {@code i}. */
    public boolean endsAfter(int i) {
        byte f = features[i];
        if ((f & (SPECIAL | NEWLINE)) != 0) return true;
        if (i + 1 < size && (features[i + 1] & SPECIAL) != 0) return true;
        if ((f & TERMINAL) == 0) return false;
        return (f & TRAILING_SPACE) != 0 || i + 1 == size || (features[i + 1] & (LEADING_SPACE | NEWLINE)) != 0;
    }

    /** For every token, the number of units that end before it: its sentence number (one more entry for an empty sequence). */
    int[] sentenceIndex() {
        if (sentenceIndex == null) {
            int[] out = new int[Math.max(size, 1)];
            for (int i = 1; i < size; i++) out[i] = out[i - 1] + (endsAfter(i - 1) ? 1 : 0);
            sentenceIndex = out;
        }
        return sentenceIndex;
    }

    /** Features of one token's UTF-8 bytes. */
    static byte classify(byte[] text) {
        byte f = 0;
        if (text.length == 0) return f;
        for (byte b : text) if (b == '\n' || b == '\r') f |= NEWLINE;
        if (isSpace(text[0])) f |= LEADING_SPACE;
        int end = text.length;
        boolean space = false;
        while (end > 0) {
            byte b = text[end - 1];
            if (isSpace(b)) { space = true; end--; }
            else if (b == '"' || b == '\'' || b == ')' || b == ']' || b == '*' || b == '_') end--;
            else if (end >= 3 && (text[end - 3] & 0xff) == 0xE2 && (text[end - 2] & 0xff) == 0x80
                    && ((b & 0xff) == 0x9D || (b & 0xff) == 0x99)) end -= 3; // ” ’
            else break;
        }
        if (space) f |= TRAILING_SPACE;
        if (end > 0) {
            byte b = text[end - 1];
            if (b == '.' || b == '!' || b == '?') f |= TERMINAL;
        }
        return f;
    }

    private static boolean isSpace(byte b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r'; }
}
