package io.github.compresskv.model;

/**
 * The hidden states of a layer-major prefill's prompt while they wait between layers: tokens × dim floats, read
 * and written back a chunk at a time (chunk j of layer l overwrites what it read, since later chunks of the layer
 * need only their own rows). The prefill holds exactly one of these; where it lives decides whether the prompt's
 * activations are part of the process's memory ({@link HeapPromptStates}) or of the operating system's page
 * cache ({@link FilePromptStates}). Both return exactly the floats written.
 */
interface PromptStates extends AutoCloseable {

    /** Copies the rows of tokens [from, from + n) into {@code into[0 .. n·dim)}. */
    void read(int from, int n, float[] into);

    /** Stores {@code rows[0 .. n·dim)} as the rows of tokens [from, from + n). */
    void write(int from, int n, float[] rows);

    /** Frees the storage (deletes a file). */
    @Override
    void close();
}
