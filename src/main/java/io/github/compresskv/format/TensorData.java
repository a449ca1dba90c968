package io.github.compresskv.format;

import io.github.compresskv.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One stored tensor: its GGUF-convention name, element type, shape in ggml order
 * ({@code ne[0]} is the innermost, contiguous dimension, i.e. the number of columns of a matrix)
 * and a zero-copy view of its bytes (memory-mapped, or on-heap for converted data).
 */
public record TensorData(String name, GgmlType type, long[] ne, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** Columns of a matrix (ne[0]). */
    public int cols() { return javaSize(ne[0], "columns"); }

    /** Rows of a matrix: the product of all dimensions but the first. */
    public int rows() {
        long rows = 1;
        for (int d = 1; d < ne.length; d++) rows = Math.multiplyExact(rows, ne[d]);
        return javaSize(rows, "rows");
    }

    /** Kernels index rows and columns with ints; a larger tensor is an error naming it, not an ArithmeticException. */
    private int javaSize(long n, String what) {
        if (n > Integer.MAX_VALUE) {
            throw new ModelFormatException("tensor '" + name + "' " + shapeString() + " has " + n + " " + what
                    + ", more than the engine supports (" + Integer.MAX_VALUE + ")");
        }
        return (int) n;
    }

    public String shapeString() { return Arrays.toString(ne); }
}
