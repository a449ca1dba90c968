package io.github.compresskv.eval.longbench;

/**
 * metrics.py's {@code code_sim_score}: after stripping leading newlines, the first line of the prediction that
 * contains none of "`", "#" and "//" anywhere (not only at its start: so code fences, comments and lines with a
 * '#' inside a string are all skipped; an empty line qualifies), or "" when there is none; score
 * {@code fuzz.ratio(line, truth) / 100} ({@link LevenshteinRatio}).
 */
final class CodeSimilarity {
    private CodeSimilarity() {}

    static double score(String prediction, String groundTruth) {
        return LevenshteinRatio.fuzzRatio(firstCodeLine(prediction), groundTruth) / 100.0;
    }

    static String firstCodeLine(String prediction) {
        int start = 0;
        while (start < prediction.length() && prediction.charAt(start) == '\n') start++;
        for (String line : prediction.substring(start).split("\n", -1)) {
            if (!line.contains("`") && !line.contains("#") && !line.contains("//")) return line;
        }
        return "";
    }
}
