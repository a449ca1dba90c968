package io.github.compresskv.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The contract every fuzz target checks: a loader given hostile bytes either succeeds or throws one of the
 * project's clear errors (a domain exception, or an IllegalArgumentException / IllegalStateException raised by
 * our own code) with a non-blank message. Anything else (NullPointerException, IndexOutOfBounds, ArithmeticException,
 * ClassCastException, StackOverflowError, OutOfMemoryError, an exception thrown from inside a library) is a finding:
 * the fuzzer sees it escape and records the input.
 */
public final class HostileInput {
    private HostileInput() {}

    /** Scratch folder for targets that read files: RAM-backed when the machine has /dev/shm, one per JVM. */
    private static final Path SCRATCH = createScratch();

    private static Path createScratch() {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "compresskv-fuzz-") : Files.createTempDirectory("compresskv-fuzz-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An empty folder named {@code name} under the scratch folder (emptied when it exists). */
    public static Path folder(String name) {
        Path dir = SCRATCH.resolve(name);
        deleteTree(dir);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to the scratch file {@code name} (overwriting it). */
    public static Path file(String name, byte[] bytes) { return write(SCRATCH, name, bytes); }

    /** Writes {@code bytes} to {@code dir/name}. */
    public static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action}; returns normally when it succeeds or fails with a clear error. {@code domain} lists the
     * exception types that are clear errors wherever they are thrown (ModelFormatException, TokenizerException, ...).
     */
    @SafeVarargs
    public static void expectCleanOutcome(Action action, Class<? extends Exception>... domain) {
        try {
            action.run();
        } catch (Exception e) {
            if (!isClear(e, List.of(domain))) throw new AssertionError("unclear failure on hostile input: " + e, e);
        }
    }

    static boolean isClear(Exception e, List<Class<? extends Exception>> domain) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) return false;
        for (Class<? extends Exception> c : domain) if (c.isInstance(e)) return true;
        // IllegalArgument/IllegalState/UncheckedIO are clear when our code raised them on purpose, not when a
        // JDK or library method did (e.g. new ArrayList(-1), a Jackson node accessor)
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException || e instanceof UncheckedIOException) {
            StackTraceElement[] trace = e.getStackTrace();
            return trace.length > 0 && trace[0].getClassName().startsWith("io.github.compresskv.");
        }
        return false;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
