package io.github.compresskv.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Reads a whole small file (a config, tokenizer or profile) after checking its size, so that a huge or wrong file
 * (a model passed where its config.json belongs, /dev/zero) is a clear error instead of an OutOfMemoryError.
 */
public final class BoundedFiles {
    private BoundedFiles() {}

    /** Largest JSON configuration or profile read whole (real ones are kilobytes). */
    public static final long MAX_CONFIG_BYTES = 64L << 20;

    /** Largest tokenizer file read whole (tokenizer.json of a 256k vocabulary is about 20 MB). */
    public static final long MAX_TOKENIZER_BYTES = 512L << 20;

    /**
     * The bytes of {@code file}; a file over {@code maxBytes} (or not a regular file of known size) becomes
     * {@code error.apply(message)}. I/O errors are thrown as they are.
     */
    public static byte[] readAllBytes(Path file, long maxBytes, Function<String, ? extends RuntimeException> error) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw error.apply(file + ": " + size + " bytes, more than the " + maxBytes + " such a file may have");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > maxBytes) { // grew, or a special file that reports size 0
            throw error.apply(file + ": more than the " + maxBytes + " bytes such a file may have");
        }
        return bytes;
    }

    /** {@link #readAllBytes} decoded as UTF-8; malformed bytes are a CharacterCodingException, as with Files.readString. */
    public static String readString(Path file, long maxBytes, Function<String, ? extends RuntimeException> error) throws IOException {
        return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(readAllBytes(file, maxBytes, error))).toString();
    }
}
