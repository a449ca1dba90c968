package io.github.compresskv.eval.longbench;

import java.util.ArrayList;
import java.util.List;

/**
 * The Python {@code str} behaviour LongBench's metrics rely on: {@code str.split()} without arguments splits on
 * runs of Unicode whitespace ({@code str.isspace}: categories Zs/Zl/Zp, the ASCII controls \t\n\v\f\r and
 * \x1c–\x1f, and \x85), which is wider than {@link Character#isWhitespace} (no-break spaces are whitespace to Python).
 */
final class PythonText {
    private PythonText() {}

    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
    }

    /** {@code s.split()}: the non-empty runs of non-whitespace code points. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) out.add(s.substring(start, i));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) out.add(s.substring(start));
        return out;
    }

    /** {@code " ".join(s.split())}. */
    static String collapseWhitespace(String s) {
        return String.join(" ", split(s));
    }

    /** {@code s.lstrip('\n').split('\n')[0]}: eval.py's first-line cut for the few-shot tasks. */
    static String firstLine(String s) {
        int start = 0;
        while (start < s.length() && s.charAt(start) == '\n') start++;
        int end = s.indexOf('\n', start);
        return end < 0 ? s.substring(start) : s.substring(start, end);
    }
}
