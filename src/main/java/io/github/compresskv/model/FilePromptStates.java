package io.github.compresskv.model;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Prompt hidden states in a temporary file, read and written through a {@link FileChannel} with one chunk-sized
 * off-heap buffer: the pages live in the operating system's page cache (written back to disk when it needs the
 * memory), not in the Java heap and not in the process's resident set, since the file is never mapped. Each
 * layer of the prefill writes and reads the whole prompt once (2 × tokens × dim × 4 bytes of copying per layer,
 * well under 1 % of a long prefill). The file is created in {@code java.io.tmpdir} and deleted on close.
 */
final class FilePromptStates implements PromptStates {
    private final int dim;
    private final Arena arena = Arena.ofConfined();
    private final ByteBuffer bytes;
    private final FloatBuffer floats;
    private final FileChannel channel;

    /** Room for {@code tokens} rows of {@code dim} floats, moved at most {@code chunk} rows at a time. */
    FilePromptStates(int tokens, int dim, int chunk) {
        this.dim = dim;
        this.bytes = arena.allocate((long) chunk * dim * Float.BYTES, 64).asByteBuffer().order(ByteOrder.nativeOrder());
        this.floats = bytes.asFloatBuffer();
        Path file = null;
        try {
            file = Files.createTempFile("compresskv-prompt-states-", ".f32");
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
        } catch (IOException e) {
            arena.close();
            deleteQuietly(file);
            throw new UncheckedIOException("cannot create a temporary file for the prompt's hidden states ("
                    + (long) tokens * dim * Float.BYTES + " bytes) in " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    @Override
    public void read(int from, int n, float[] into) {
        bytes.clear().limit(n * dim * Float.BYTES);
        long at = offset(from);
        try {
            while (bytes.hasRemaining()) {
                int r = channel.read(bytes, at);
                if (r < 0) throw new EOFException("prompt states file ends before token " + (from + n));
                at += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the prompt's hidden states", e);
        }
        floats.clear();
        floats.get(into, 0, n * dim);
    }

    @Override
    public void write(int from, int n, float[] rows) {
        floats.clear();
        floats.put(rows, 0, n * dim);
        bytes.clear().limit(n * dim * Float.BYTES);
        long at = offset(from);
        try {
            while (bytes.hasRemaining()) at += channel.write(bytes, at);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the prompt's hidden states", e);
        }
    }

    private long offset(int token) { return (long) token * dim * Float.BYTES; }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the prompt states file", e);
        } finally {
            arena.close();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the temporary file could not be opened either; nothing more to do
        }
    }
}
