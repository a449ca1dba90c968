package io.github.compresskv.format;

/** Constants of the GGUF container shared by the reader and the writer. */
public final class Gguf {
    private Gguf() {}

    /** "GGUF" as the first four bytes, read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;

    /** Tensor data alignment when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;

    public static final String ALIGNMENT_KEY = "general.alignment";

    /** Most dimensions a ggml tensor has. */
    public static final int MAX_DIMS = 4;

    /** The version the writer produces. */
    public static final int WRITE_VERSION = 3;

    /**
     * Most array elements all metadata values together may hold, nested arrays included (the largest real
     * vocabularies have about 260 000 tokens, in three or four arrays). Each element becomes a reference and a boxed
     * object of up to 28 bytes, so without this a file could ask for about 25 times its size in heap.
     */
    static final long MAX_ARRAY_ELEMENTS = 1 << 23;

    /** Most tensors a file may declare (real models have a few thousand). */
    static final long MAX_TENSORS = 1 << 20;

    /** Deepest array-of-array nesting the reader accepts (real files use at most one level). */
    static final int MAX_ARRAY_NESTING = 16;

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
