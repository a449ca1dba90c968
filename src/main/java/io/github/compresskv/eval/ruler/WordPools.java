package io.github.compresskv.eval.ruler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wonderwords noun, adjective and verb lists shipped under {@code io/github/compresskv/eval/ruler/} (MIT;
 * see the README there), restricted to single lower-case ASCII words.
 */
public record WordPools(List<String> nouns, List<String> adjectives, List<String> verbs) {
    private static WordPools shipped;

    public WordPools {
        nouns = List.copyOf(nouns);
        adjectives = List.copyOf(adjectives);
        verbs = List.copyOf(verbs);
        if (nouns.isEmpty() || adjectives.isEmpty() || verbs.isEmpty()) throw new IllegalArgumentException("a word pool is empty");
    }

    /** The shipped lists (read once). */
    public static synchronized WordPools shipped() {
        if (shipped == null) shipped = new WordPools(read("nounlist.txt"), read("adjectivelist.txt"), read("verblist.txt"));
        return shipped;
    }

    private static List<String> read(String file) {
        String resource = "/io/github/compresskv/eval/ruler/" + file;
        try (InputStream in = WordPools.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("word list " + resource + " is missing from the classpath");
            List<String> out = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String w = line.strip();
                if (w.matches("[a-z]+")) out.add(w);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
