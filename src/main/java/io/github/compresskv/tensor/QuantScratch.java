package io.github.compresskv.tensor;

/**
 * Per-thread buffers of the chunked kernels: a chunk of a row decoded to one signed byte per element
 * plus a float scale and min per group (K-quants), or copied out of a heap segment (F32/F16/BF16).
 * A chunk (2048 elements) stays in L1 between the decode and the kernel that consumes it.
 */
final class QuantScratch {
    /** Elements per decoded chunk: a multiple of every super-block size. */
    static final int CHUNK = 2048;

    final byte[] q = new byte[CHUNK];
    final float[] scale = new float[CHUNK / 16];
    final float[] min = new float[CHUNK / 16];
    final float[] floats = new float[CHUNK];
    final short[] shorts = new short[CHUNK];

    private float[] blockScales = new float[0];

    /** A float per block of a row for the integer kernels' per-row scales, grown to {@code n} as needed. */
    float[] blockScales(int n) {
        if (blockScales.length < n) blockScales = new float[n];
        return blockScales;
    }

    private static final ThreadLocal<QuantScratch> LOCAL = ThreadLocal.withInitial(QuantScratch::new);

    static QuantScratch get() {
        return LOCAL.get();
    }
}
