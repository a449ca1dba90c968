package io.github.compresskv.compress;

import io.github.compresskv.tokenizer.Tokenizer;
import io.github.compresskv.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sentence boundaries from real tokenizers' pieces: SentencePiece ({@code ▁}, byte fallback {@code <0x0A>}) and
 * byte-level BPE ({@code Ġ}, {@code Ċ}) give the same units for the same text.
 */
class SentenceEndsTest {
    static final String TEXT = "It was late. The best thing to do in Paris is eat a sandwich!\nHe said \"Why?\" and left. Pi is 3.14 today.";
    static final List<String> EXPECTED = List.of("It was late.", " The best thing to do in Paris is eat a sandwich!", "\n",
            "He said \"Why?\"", " and left.", " Pi is 3.14 today.");

    static Tokenizer tokenizer(String dir) {
        try {
            return Tokenizers.fromHuggingFace(Path.of(SentenceEndsTest.class.getResource("/io/github/compresskv/tokenizer/" + dir).toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of each unit: tokens decoded and joined between ends. */
    static List<String> units(Tokenizer t, int[] ids) {
        SentenceEnds ends = SentenceEnds.of(t, ids);
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ends.endsAfter(i)) {
                out.add(t.decode(java.util.Arrays.copyOfRange(ids, from, i + 1), true));
                from = i + 1;
            }
        }
        if (from < ids.length) out.add(t.decode(java.util.Arrays.copyOfRange(ids, from, ids.length), true));
        return out;
    }

    static List<String> stripped(List<String> units) {
        return units.stream().map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    @Test
    void byteLevelBpePiecesEndSentencesAndLines() {
        for (String dir : new String[]{"bpe_llama3", "bpe_qwen2", "bpe_gpt2"}) {
            Tokenizer t = tokenizer(dir);
            int[] ids = t.encode(TEXT, false, true);
            assertTrue(t.piece(ids[3]).startsWith("Ġ") || t.piece(ids[1]).startsWith("Ġ"), dir + " uses Ġ pieces");
            // "!\n" may be one piece (llama-3, qwen2) or two (gpt2): the line break ends the unit either way
            assertEquals(stripped(EXPECTED), stripped(units(t, ids)), dir);
        }
    }

    @Test
    void sentencePiecePiecesEndSentencesAndLines() {
        for (String dir : new String[]{"spm", "spm_hf"}) {
            Tokenizer t = tokenizer(dir);
            int[] ids = t.encode(TEXT, false, true);
            assertTrue(t.piece(ids[0]).startsWith("▁"), dir + " uses ▁ pieces: " + t.piece(ids[0]));
            assertEquals(stripped(EXPECTED), stripped(units(t, ids)), dir);
        }
    }

    @Test
    void specialTokensStandAlone() {
        Tokenizer t = tokenizer("bpe_llama3");
        int bos = t.bos();
        int[] text = t.encode("One two three", false, true);
        int[] ids = new int[text.length + 1];
        ids[0] = bos;
        System.arraycopy(text, 0, ids, 1, text.length);
        SentenceEnds e = SentenceEnds.of(t, ids);
        assertTrue(e.endsAfter(0), "BOS is a unit of its own");
        for (int i = 1; i < ids.length; i++) assertTrue(!e.endsAfter(i), "no end inside the sentence at " + i);
    }

    @Test
    void appendedTokensAndForksReplaceTheTail() {
        Tokenizer t = tokenizer("bpe_llama3");
        int[] a = t.encode("It rains. We stay", false, true);
        SentenceEnds e = SentenceEnds.of(t, a);
        int dot = 0;
        while (!t.decode(new int[]{a[dot]}).equals(".")) dot++;
        assertTrue(e.endsAfter(dot));
        int[] b = t.encode(" inside.", false, true);
        for (int id : b) e.append(id);
        assertEquals(a.length + b.length, e.size());
        e.set(a.length, b[0]); // another fork continued from the same place
        assertEquals(a.length + 1, e.size());
    }
}
