package io.github.compresskv.eval.longbench;

import java.util.ArrayList;
import java.util.List;

/**
 * The word split used for the Chinese metrics in place of jieba, which LongBench uses ({@code jieba.cut(s,
 * cut_all=False)}) but which has no Java port we can ship: every CJK character (and every other non-whitespace,
 * non-ASCII-alphanumeric code point) is one token, a run of ASCII letters and digits is one token (as jieba keeps
 * English words and numbers whole), whitespace separates and is dropped (jieba's whitespace tokens vanish in the
 * metrics anyway). Character-level scores of Chinese text are typically a little higher than word-level ones,
 * because single characters match more often than whole words.
 */
final class ChineseSegmentation {
    private ChineseSegmentation() {}

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int run = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean asciiAlnum = cp < 128 && Character.isLetterOrDigit(cp);
            if (!asciiAlnum && run >= 0) {
                out.add(s.substring(run, i));
                run = -1;
            }
            if (asciiAlnum) {
                if (run < 0) run = i;
            } else if (!PythonText.isSpace(cp)) {
                out.add(new String(Character.toChars(cp)));
            }
            i += Character.charCount(cp);
        }
        if (run >= 0) out.add(s.substring(run));
        return out;
    }
}
