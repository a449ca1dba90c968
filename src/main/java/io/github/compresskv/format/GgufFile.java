package io.github.compresskv.format;

import io.github.compresskv.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file (versions 1, 2 and 3), memory-mapped whole into an arena this object owns. Metadata is read
 * eagerly; tensors are zero-copy slices of the mapping. Every length read from the file is checked against
 * the bytes that remain, so a corrupted file gives a ModelFormatException naming the file, the key or tensor
 * and the byte offset — never a huge allocation or a hang.
 */
public final class GgufFile implements ModelSource {

    private final Path file;
    private final Arena arena;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final Metadata metadata;
    private final Map<String, TensorData> tensors;
    private final boolean qkPermuted;

    private GgufFile(Path file, Arena arena, int version, int alignment, long dataOffset, Metadata metadata,
                     Map<String, TensorData> tensors) {
        this.file = file;
        this.arena = arena;
        this.version = version;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = tensors;
        // llama.cpp's converter permutes llama Q/K rows for interleaved RoPE; other architectures stay half-split
        this.qkPermuted = "llama".equals(metadata.getString("general.architecture", ""));
    }

    /** Maps and parses the file. */
    public static GgufFile open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return parse(file, arena, MappedFiles.map(file, arena));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record TensorInfo(String name, long[] ne, GgmlType type, long offset, long infoAt) {}

    private static GgufFile parse(Path file, Arena arena, MemorySegment data) {
        GgufCursor c = new GgufCursor(data, file);
        c.context = "magic";
        if (data.byteSize() < 4) throw c.error("file has only " + data.byteSize() + " bytes; a GGUF file starts with the 4-byte magic 'GGUF'");
        int magic = c.i32();
        if (magic != Gguf.MAGIC) {
            throw c.errorAt(0, "not a GGUF file: the first bytes are " + HexFormat.ofDelimiter(" ").formatHex(data.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE))
                    + ", expected 47 47 55 46 ('GGUF')");
        }
        c.context = "version";
        int version = c.i32();
        if (version < 1 || version > 3) {
            int swapped = Integer.reverseBytes(version);
            if (swapped >= 1 && swapped <= 3) {
                throw c.errorAt(4, "big-endian GGUF file (version " + swapped + " stored big-endian); only little-endian files are supported");
            }
            throw c.errorAt(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 1, 2, 3)");
        }
        boolean v1 = version == 1;
        int lengthBytes = v1 ? 4 : 8;

        c.context = "tensor count";
        long tensorCount = c.length(v1, "tensor count");
        c.context = "metadata count";
        long kvCount = c.length(v1, "metadata count");
        long minKv = lengthBytes + 4 + 1;
        long minTensor = lengthBytes + 4 + lengthBytes + 4 + 8;
        if (kvCount > c.remaining() / minKv) {
            throw c.errorAt(8 + lengthBytes, "metadata count " + kvCount + " cannot fit in the " + c.remaining() + " bytes left in the file");
        }
        if (tensorCount > c.remaining() / minTensor) {
            c.context = "tensor count";
            throw c.errorAt(8, "tensor count " + tensorCount + " cannot fit in the " + c.remaining() + " bytes left in the file");
        }

        Map<String, Metadata.Entry> entries = new LinkedHashMap<>();
        long[] arrayBudget = {Gguf.MAX_ARRAY_ELEMENTS};
        for (long i = 0; i < kvCount; i++) {
            c.context = "metadata entry #" + i;
            long keyAt = c.position();
            String key = c.string(v1, "key");
            c.context = "metadata key '" + key + "'";
            if (entries.containsKey(key)) throw c.errorAt(keyAt, "duplicate key");
            long typeAt = c.position();
            int typeId = c.i32();
            GgufValueType type = GgufValueType.fromId(typeId);
            if (type == null) throw c.errorAt(typeAt, "unknown value type id " + Integer.toUnsignedString(typeId) + " (known: 0..12)");
            Object value = type == GgufValueType.ARRAY ? readArray(c, v1, 1, arrayBudget) : readScalar(c, type, v1);
            entries.put(key, new Metadata.Entry(type, value));
        }
        Metadata metadata = new Metadata(file.toString(), entries);
        int alignment = alignment(file, metadata);

        if (tensorCount > Gguf.MAX_TENSORS) {
            c.context = "tensor count";
            throw c.errorAt(8, "tensor count " + tensorCount + " exceeds the limit of " + Gguf.MAX_TENSORS);
        }
        List<TensorInfo> infos = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            c.context = "tensor info #" + i;
            long infoAt = c.position();
            String name = c.string(v1, "tensor name");
            c.context = "tensor '" + name + "'";
            if (!seen.add(name)) throw c.errorAt(infoAt, "duplicate tensor name");
            long dimsAt = c.position();
            long nDims = c.u32();
            if (nDims < 1 || nDims > Gguf.MAX_DIMS) {
                throw c.errorAt(dimsAt, "has " + nDims + " dimensions; expected 1 to " + Gguf.MAX_DIMS);
            }
            long[] ne = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long at = c.position();
                ne[d] = c.length(v1, "dimension " + d);
                if (ne[d] == 0) throw c.errorAt(at, "dimension " + d + " is 0; an empty tensor holds no weights");
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException overflow) {
                    throw c.errorAt(at, "shape has more elements than fit in 63 bits");
                }
            }
            long typeAt = c.position();
            int typeId = c.i32();
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) throw c.errorAt(typeAt, "unknown tensor type id " + Integer.toUnsignedString(typeId));
            if (ne[0] % type.blockSize() != 0) {
                throw c.errorAt(dimsAt, type + " needs ne[0] to be a multiple of " + type.blockSize() + ", got shape " + Arrays.toString(ne));
            }
            long offsetAt = c.position();
            long offset = c.i64();
            if (offset < 0) throw c.errorAt(offsetAt, "data offset " + Long.toUnsignedString(offset) + " is impossibly large");
            if (offset % alignment != 0) {
                throw c.errorAt(offsetAt, "data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            infos.add(new TensorInfo(name, ne, type, offset, infoAt));
        }

        long dataOffset = Gguf.alignUp(c.position(), alignment);
        long fileSize = data.byteSize();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            long elements = 1;
            for (long d : t.ne) elements *= d;
            long blocks = elements / t.type.blockSize();
            long size = blocks <= Long.MAX_VALUE / t.type.typeSize() ? blocks * t.type.typeSize() : Long.MAX_VALUE;
            if (dataOffset > fileSize || t.offset > fileSize - dataOffset || size > fileSize - dataOffset - t.offset) {
                c.context = "tensor '" + t.name + "'";
                throw c.errorAt(t.infoAt, "data [" + Long.toUnsignedString(dataOffset + t.offset) + ", +" + size
                        + " bytes) lies outside the file (" + fileSize + " bytes); the file may be truncated");
            }
            tensors.put(t.name, new TensorData(t.name, t.type, t.ne, data.asSlice(dataOffset + t.offset, size)));
        }
        return new GgufFile(file, arena, version, alignment, dataOffset, metadata, Collections.unmodifiableMap(tensors));
    }

    private static int alignment(Path file, Metadata metadata) {
        Metadata.Entry e = metadata.entries().get(Gguf.ALIGNMENT_KEY);
        if (e == null) return Gguf.DEFAULT_ALIGNMENT;
        if (!(e.value() instanceof Number n) || e.value() instanceof Float || e.value() instanceof Double
                || n.longValue() <= 0 || n.longValue() > (1 << 30) || Long.bitCount(n.longValue()) != 1) {
            throw new ModelFormatException(file + ": metadata key '" + Gguf.ALIGNMENT_KEY + "' should be a power of two, got "
                    + e.type() + " " + e.value());
        }
        return (int) n.longValue();
    }

    private static Object readScalar(GgufCursor c, GgufValueType type, boolean v1) {
        return switch (type) {
            case UINT8 -> c.u8();
            case INT8 -> (int) c.i8();
            case UINT16 -> c.i16() & 0xffff;
            case INT16 -> (int) c.i16();
            case UINT32 -> c.u32();
            case INT32 -> c.i32();
            case FLOAT32 -> c.f32();
            case BOOL -> c.u8() != 0;
            case STRING -> c.string(v1, "string value");
            case UINT64, INT64 -> c.i64();
            case FLOAT64 -> c.f64();
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    /** Smallest encoding of one element, to bound an array length by the bytes left before allocating. */
    private static long minEncodedSize(GgufValueType type, boolean v1) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64 -> 8;
            case STRING -> v1 ? 4 : 8;
            case ARRAY -> 4 + (v1 ? 4 : 8);
        };
    }

    /** {@code budget[0]}: array elements the rest of the metadata may still hold (all arrays share it). */
    private static Metadata.GgufArray readArray(GgufCursor c, boolean v1, int depth, long[] budget) {
        long at = c.position();
        if (depth > Gguf.MAX_ARRAY_NESTING) throw c.error("arrays nested deeper than " + Gguf.MAX_ARRAY_NESTING + " levels");
        int typeId = c.i32();
        GgufValueType elementType = GgufValueType.fromId(typeId);
        if (elementType == null) throw c.errorAt(at, "unknown array element type id " + Integer.toUnsignedString(typeId) + " (known: 0..12)");
        long n = c.length(v1, "array length");
        long min = minEncodedSize(elementType, v1);
        if (n > c.remaining() / min) {
            throw c.errorAt(at, "array of " + n + " " + elementType + " elements needs at least " + n + " × " + min
                    + " bytes but only " + c.remaining() + " are left in the file");
        }
        if (n > budget[0]) {
            throw c.errorAt(at, "array of " + n + " elements exceeds the limit of " + Gguf.MAX_ARRAY_ELEMENTS
                    + " array elements in all metadata together");
        }
        budget[0] -= n;
        List<Object> values = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            values.add(elementType == GgufValueType.ARRAY ? readArray(c, v1, depth + 1, budget) : readScalar(c, elementType, v1));
        }
        return new Metadata.GgufArray(elementType, Collections.unmodifiableList(values));
    }

    @Override public Path path() { return file; }
    @Override public Metadata metadata() { return metadata; }
    @Override public Map<String, TensorData> tensors() { return tensors; }
    @Override public Optional<Path> huggingFaceDir() { return Optional.empty(); }

    /** True for architecture llama: llama.cpp's converter permutes its Q/K rows for interleaved RoPE. */
    @Override public boolean qkPermutedForInterleavedRope() { return qkPermuted; }

    /** The GGUF version of the file (1, 2 or 3). */
    public int version() { return version; }

    /** Tensor data alignment ({@code general.alignment}, default 32). */
    public int alignment() { return alignment; }

    /** Absolute file offset where tensor data starts. */
    public long dataOffset() { return dataOffset; }

    /** Unmaps the file; tensor views must not be used afterwards. */
    @Override
    public void close() { arena.close(); }
}
