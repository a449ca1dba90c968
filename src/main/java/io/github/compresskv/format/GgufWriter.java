package io.github.compresskv.format;

import io.github.compresskv.tensor.GgmlType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF v3 files: header, metadata of every type (arrays and nested arrays included), tensor infos,
 * and tensor data, each tensor aligned to {@code general.alignment} (default 32). Tensor bytes are pulled
 * from each tensor's {@link TensorBytes} while writing, so a converter can produce one tensor at a time.
 * The file is written to a temporary file in the target folder and moved into place only when complete,
 * so a failure never leaves a half-written output.
 */
public final class GgufWriter {

    /** Produces one tensor's bytes into the sink; must write exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(ByteSink sink) throws IOException;
    }

    /** Where tensor bytes go. */
    public interface ByteSink {
        void write(MemorySegment bytes) throws IOException;

        default void write(byte[] bytes) throws IOException { write(MemorySegment.ofArray(bytes)); }
    }

    private record PlannedTensor(String name, GgmlType type, long[] ne, long byteSize, TensorBytes bytes) {}

    private final Metadata metadata;
    private final int alignment;
    private final List<PlannedTensor> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** A writer of these metadata entries (in their order); {@code general.alignment}, if present, sets the alignment. */
    public GgufWriter(Metadata metadata) {
        this.metadata = metadata;
        Metadata.Entry a = metadata.entries().get(Gguf.ALIGNMENT_KEY);
        if (a == null) {
            alignment = Gguf.DEFAULT_ALIGNMENT;
        } else {
            long v = a.value() instanceof Number n && !(n instanceof Float) && !(n instanceof Double) ? n.longValue() : -1;
            if (a.type() != GgufValueType.UINT32 || v <= 0 || v > (1 << 30) || Long.bitCount(v) != 1) {
                throw new IllegalArgumentException(Gguf.ALIGNMENT_KEY + " must be a UINT32 power of two, got " + a.type() + " " + a.value());
            }
            alignment = (int) v;
        }
    }

    public int alignment() { return alignment; }

    /** Adds a tensor whose bytes are produced while the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, TensorBytes bytes) {
        if (!names.add(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        if (ne.length < 1 || ne.length > Gguf.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + ne.length + " dimensions; expected 1 to " + Gguf.MAX_DIMS);
        }
        long elements = 1;
        for (long d : ne) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + Arrays.toString(ne));
            elements = Math.multiplyExact(elements, d);
        }
        if (ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " needs ne[0] to be a multiple of "
                    + type.blockSize() + ", got " + Arrays.toString(ne));
        }
        tensors.add(new PlannedTensor(name, type, ne.clone(), type.byteSize(elements), bytes));
        return this;
    }

    /** Adds a tensor whose bytes are {@code data} (e.g. a mapped view); its size must match the shape. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, MemorySegment data) {
        return addTensor(name, type, ne, sink -> sink.write(data));
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] ne, byte[] data) {
        return addTensor(name, type, ne, MemorySegment.ofArray(data));
    }

    /** Writes the file atomically (temporary file in the same folder, then a move). Returns the bytes written. */
    public long write(Path output) throws IOException {
        Path target = output.toAbsolutePath();
        Files.createDirectories(target.getParent()); // like any "save as": the folder is made when missing
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        boolean done = false; // not AtomicFiles.write: the data goes through a FileChannel and is forced to disk
        try {
            long size;
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                size = writeTo(channel);
                channel.force(true);
            }
            AtomicFiles.moveIntoPlace(tmp, target);
            done = true;
            return size;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private long writeTo(FileChannel channel) throws IOException {
        LittleEndianBytes header = new LittleEndianBytes();
        header.i32(Gguf.MAGIC);
        header.i32(Gguf.WRITE_VERSION);
        header.i64(tensors.size());
        header.i64(metadata.entries().size());
        for (Map.Entry<String, Metadata.Entry> e : metadata.entries().entrySet()) {
            header.string(e.getKey());
            header.i32(e.getValue().type().id());
            writeValue(header, e.getKey(), e.getValue().type(), e.getValue().value(), 0);
        }
        long offset = 0;
        for (PlannedTensor t : tensors) {
            header.string(t.name);
            header.i32(t.ne.length);
            for (long d : t.ne) header.i64(d);
            header.i32(t.type.id());
            header.i64(offset);
            offset = Gguf.alignUp(offset + t.byteSize, alignment);
        }
        BufferedChannelSink sink = new BufferedChannelSink(channel);
        sink.write(header.toByteArray());
        sink.pad(alignment);
        for (PlannedTensor t : tensors) {
            long start = sink.count();
            t.bytes.writeTo(sink);
            long written = sink.count() - start;
            if (written != t.byteSize) {
                throw new IllegalStateException("tensor '" + t.name + "' (" + t.type + " " + Arrays.toString(t.ne) + "): wrote "
                        + written + " bytes, expected " + t.byteSize);
            }
            sink.pad(alignment);
        }
        sink.flush();
        return sink.count();
    }

    private static void writeValue(LittleEndianBytes out, String key, GgufValueType type, Object v, int depth) {
        switch (type) {
            case UINT8 -> out.i8((int) integer(key, type, v, 0, 0xff));
            case INT8 -> out.i8((int) integer(key, type, v, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT16 -> out.i16((int) integer(key, type, v, 0, 0xffff));
            case INT16 -> out.i16((int) integer(key, type, v, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT32 -> out.i32((int) integer(key, type, v, 0, 0xffffffffL));
            case INT32 -> out.i32((int) integer(key, type, v, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT64, INT64 -> out.i64(integer(key, type, v, Long.MIN_VALUE, Long.MAX_VALUE));
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(number(key, type, v).floatValue()));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(number(key, type, v).doubleValue()));
            case BOOL -> {
                if (!(v instanceof Boolean b)) throw mismatch(key, type, v);
                out.i8(b ? 1 : 0);
            }
            case STRING -> {
                if (!(v instanceof String s)) throw mismatch(key, type, v);
                out.string(s);
            }
            case ARRAY -> {
                if (!(v instanceof Metadata.GgufArray a)) throw mismatch(key, type, v);
                if (depth >= Gguf.MAX_ARRAY_NESTING) throw new IllegalArgumentException("metadata key '" + key + "': arrays nested too deep");
                out.i32(a.elementType().id());
                out.i64(a.size());
                for (Object element : a.values()) writeValue(out, key, a.elementType(), element, depth + 1);
            }
        }
    }

    private static Number number(String key, GgufValueType type, Object v) {
        if (v instanceof Number n) return n;
        throw mismatch(key, type, v);
    }

    private static long integer(String key, GgufValueType type, Object v, long min, long max) {
        if (!(v instanceof Number n) || v instanceof Float || v instanceof Double) throw mismatch(key, type, v);
        long x = n.longValue();
        if (x < min || x > max) {
            throw new IllegalArgumentException("metadata key '" + key + "': value " + x + " does not fit " + type);
        }
        return x;
    }

    private static IllegalArgumentException mismatch(String key, GgufValueType type, Object v) {
        return new IllegalArgumentException("metadata key '" + key + "': a " + type + " value cannot be "
                + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    }

    /** Growable little-endian buffer for the header. */
    private static final class LittleEndianBytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);

        void i8(int v) { out.write(v); }

        void i16(int v) { out.write(v); out.write(v >>> 8); }

        void i32(int v) { i16(v); i16(v >>> 16); }

        void i64(long v) { i32((int) v); i32((int) (v >>> 32)); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.writeBytes(b);
        }

        byte[] toByteArray() { return out.toByteArray(); }
    }

    /** Counts bytes and batches small writes into 1 MiB channel writes. */
    private static final class BufferedChannelSink implements ByteSink {
        private static final int CAPACITY = 1 << 20;
        private final FileChannel channel;
        private final byte[] buffer = new byte[CAPACITY];
        private int used;
        private long count;

        BufferedChannelSink(FileChannel channel) { this.channel = channel; }

        long count() { return count; }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            long n = bytes.byteSize();
            if (n <= CAPACITY - used) {
                MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, 0, buffer, used, (int) n);
                used += (int) n;
            } else {
                flush();
                for (long off = 0; off < n; off += CAPACITY) {
                    writeFully(bytes.asSlice(off, Math.min(CAPACITY, n - off)).asByteBuffer());
                }
            }
            count += n;
        }

        void pad(int alignment) throws IOException {
            long padding = Gguf.alignUp(count, alignment) - count;
            if (padding > 0) write(new byte[(int) padding]);
        }

        void flush() throws IOException {
            writeFully(ByteBuffer.wrap(buffer, 0, used));
            used = 0;
        }

        private void writeFully(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) channel.write(b);
        }
    }
}
