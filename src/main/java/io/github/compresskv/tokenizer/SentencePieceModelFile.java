package io.github.compresskv.tokenizer;

import io.github.compresskv.format.BoundedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model} (a serialized {@code sentencepiece.ModelProto}) read by hand: the
 * pieces with score and type, the trainer's model type, ids and byte_fallback, and the normalizer flags.
 * Unknown fields are skipped as protobuf allows; a truncated or garbled file is a {@link TokenizerException}.
 */
public record SentencePieceModelFile(List<Piece> pieces, int modelType, boolean byteFallback, int unkId, int bosId,
                                     int eosId, int padId, String normalizerName, boolean hasCharsMap,
                                     boolean addDummyPrefix, boolean removeExtraWhitespaces,
                                     boolean escapeWhitespaces) {

    public record Piece(String text, float score, TokenType type) {}

    public static final int MODEL_UNIGRAM = 1, MODEL_BPE = 2;

    public static SentencePieceModelFile read(Path file) {
        byte[] bytes;
        try {
            bytes = BoundedFiles.readAllBytes(file, BoundedFiles.MAX_TOKENIZER_BYTES, TokenizerException::new);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read SentencePiece model: " + e.getMessage(), e);
        }
        try {
            return parse(bytes);
        } catch (RuntimeException e) {
            throw new TokenizerException(file + ": not a valid SentencePiece model: " + e.getMessage(), e);
        }
    }

    static SentencePieceModelFile parse(byte[] bytes) {
        Reader r = new Reader(ByteBuffer.wrap(bytes));
        List<Piece> pieces = new ArrayList<>();
        int modelType = MODEL_UNIGRAM, unk = 0, bos = 1, eos = 2, pad = -1;
        boolean byteFallback = false, dummyPrefix = true, removeExtra = true, escape = true, charsMap = false;
        String normalizerName = "";
        while (r.hasMore()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                pieces.add(readPiece(r.sub()));
            } else if (field == 2 && wire == 2) {
                Reader t = r.sub();
                while (t.hasMore()) {
                    long tt = t.varint();
                    int f = (int) (tt >>> 3), w = (int) (tt & 7);
                    switch (f) {
                        case 3 -> modelType = (int) t.varintOf(w, f);
                        case 35 -> byteFallback = t.varintOf(w, f) != 0;
                        case 40 -> unk = (int) t.varintOf(w, f);
                        case 41 -> bos = (int) t.varintOf(w, f);
                        case 42 -> eos = (int) t.varintOf(w, f);
                        case 43 -> pad = (int) t.varintOf(w, f);
                        default -> t.skip(w);
                    }
                }
            } else if (field == 3 && wire == 2) {
                Reader nr = r.sub();
                while (nr.hasMore()) {
                    long tt = nr.varint();
                    int f = (int) (tt >>> 3), w = (int) (tt & 7);
                    switch (f) {
                        case 1 -> normalizerName = nr.string(w, f);
                        case 2 -> { charsMap = nr.bytesOf(w, f).length > 0; }
                        case 3 -> dummyPrefix = nr.varintOf(w, f) != 0;
                        case 4 -> removeExtra = nr.varintOf(w, f) != 0;
                        case 5 -> escape = nr.varintOf(w, f) != 0;
                        default -> nr.skip(w);
                    }
                }
            } else {
                r.skip(wire);
            }
        }
        if (pieces.isEmpty()) throw new IllegalArgumentException("no pieces");
        return new SentencePieceModelFile(List.copyOf(pieces), modelType, byteFallback, unk, bos, eos, pad,
                normalizerName, charsMap, dummyPrefix, removeExtra, escape);
    }

    private static Piece readPiece(Reader r) {
        String text = "";
        float score = 0;
        TokenType type = TokenType.NORMAL;
        while (r.hasMore()) {
            long tag = r.varint();
            int f = (int) (tag >>> 3), w = (int) (tag & 7);
            switch (f) {
                case 1 -> text = r.string(w, f);
                case 2 -> {
                    if (w != 5) throw new IllegalArgumentException("piece score has wire type " + w + ", expected 5");
                    score = r.float32();
                }
                case 3 -> type = TokenType.fromId((int) r.varintOf(w, f));
                default -> r.skip(w);
            }
        }
        return new Piece(text, score, type);
    }

    /** Minimal protobuf wire-format reader over a bounded buffer. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buf) { this.buf = buf.order(ByteOrder.LITTLE_ENDIAN); }

        boolean hasMore() { return buf.hasRemaining(); }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (!buf.hasRemaining()) throw new IllegalArgumentException("truncated varint at byte " + buf.position());
                int b = buf.get() & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + buf.position());
        }

        long varintOf(int wire, int field) {
            if (wire != 0) throw new IllegalArgumentException("field " + field + " has wire type " + wire + ", expected 0");
            return varint();
        }

        float float32() {
            need(4);
            return buf.getFloat();
        }

        private void need(long n) {
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalArgumentException("length " + n + " at byte " + buf.position() + " runs past the end ("
                        + buf.remaining() + " bytes left)");
            }
        }

        byte[] bytesOf(int wire, int field) {
            if (wire != 2) throw new IllegalArgumentException("field " + field + " has wire type " + wire + ", expected 2");
            long len = varint();
            need(len);
            byte[] out = new byte[(int) len];
            buf.get(out);
            return out;
        }

        String string(int wire, int field) { return new String(bytesOf(wire, field), StandardCharsets.UTF_8); }

        Reader sub() {
            long len = varint();
            need(len);
            ByteBuffer slice = buf.slice(buf.position(), (int) len);
            buf.position(buf.position() + (int) len);
            return new Reader(slice);
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> { need(8); buf.position(buf.position() + 8); }
                case 2 -> { long len = varint(); need(len); buf.position(buf.position() + (int) len); }
                case 5 -> { need(4); buf.position(buf.position() + 4); }
                default -> throw new IllegalArgumentException("unsupported wire type " + wire + " at byte " + buf.position());
            }
        }
    }
}
