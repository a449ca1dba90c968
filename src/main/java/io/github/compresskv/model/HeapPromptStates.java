package io.github.compresskv.model;

/** Prompt hidden states in one Java array (tokens × dim floats: 25 MB for 16K tokens of a 384-wide model). */
final class HeapPromptStates implements PromptStates {
    private final float[] states;
    private final int dim;

    HeapPromptStates(int tokens, int dim) {
        this.states = new float[Math.multiplyExact(tokens, dim)];
        this.dim = dim;
    }

    @Override
    public void read(int from, int n, float[] into) { System.arraycopy(states, from * dim, into, 0, n * dim); }

    @Override
    public void write(int from, int n, float[] rows) { System.arraycopy(rows, 0, states, from * dim, n * dim); }

    @Override
    public void close() { }
}
