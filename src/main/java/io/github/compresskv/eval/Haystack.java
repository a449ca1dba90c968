package io.github.compresskv.eval;

import io.github.compresskv.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The filler text of needle prompts: the shipped public-domain Walden (default) or every {@code .txt} file of a
 * folder in name order (e.g. the Paul Graham essays the paper used, which are never shipped), joined by blank
 * lines and repeated until it is long enough.
 */
public final class Haystack {
    /** Name of the built-in haystack. */
    public static final String WALDEN = "walden";

    private final String name;
    private final String text;

    public Haystack(String name, String text) {
        if (text.isBlank()) throw new IllegalArgumentException("haystack " + name + " is empty");
        this.name = name;
        this.text = text;
    }

    /** The shipped Walden text (class path resource {@code io/github/compresskv/haystack/walden.txt}). */
    public static Haystack walden() {
        String resource = "/io/github/compresskv/haystack/" + WALDEN + ".txt";
        try (InputStream in = Haystack.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("built-in haystack " + resource + " is missing from the classpath");
            return new Haystack(WALDEN, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** All {@code .txt} files of {@code folder}, in name order. */
    public static Haystack folder(Path folder) {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException("--haystack: " + folder + " is not a folder");
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".txt") && Files.isRegularFile(p)).sorted().toList();
            if (files.isEmpty()) throw new IllegalArgumentException("--haystack: " + folder + " holds no .txt file");
            StringBuilder sb = new StringBuilder();
            for (Path f : files) {
                if (!sb.isEmpty()) sb.append("\n\n");
                sb.append(Files.readString(f, StandardCharsets.UTF_8));
            }
            return new Haystack(folder.toString(), sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("--haystack: cannot read " + folder + ": " + e.getMessage(), e);
        }
    }

    public String name() { return name; }

    public String text() { return text; }

    /** The first {@code n} tokens of the text (repeated, blank-line separated, when it is shorter). */
    public int[] tokens(Tokenizer tokenizer, int n) {
        // encode a prefix of about 8 characters per token (more when that falls short), not the whole book
        long chars = Math.max(64L, 8L * n);
        while (true) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < chars) sb.append(sb.isEmpty() ? text : "\n\n" + text);
            String prefix = sb.length() > chars ? sb.substring(0, (int) chars) : sb.toString();
            int[] tokens = tokenizer.encode(prefix, false, false);
            if (tokens.length > n) return Arrays.copyOf(tokens, n); // one spare: the cut may split the last token
            // real text gives a token per 2 to 8 characters; a text the tokenizer all but drops would loop until the heap is full
            if (chars > 256L * n + (1 << 16)) {
                throw new IllegalArgumentException("haystack " + name + " gives only " + tokens.length + " tokens for "
                        + chars + " characters; it needs " + (n + 1));
            }
            chars *= 2;
        }
    }
}
