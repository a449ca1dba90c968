package io.github.compresskv.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Both stores of a layer-major prefill's hidden states give back exactly the floats written, NaN payloads included. */
class PromptStatesTest {

    @Test
    void fileAndHeapStoresReturnTheBitsWrittenInAnyChunkOrder() {
        int tokens = 23, dim = 5, chunk = 4;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] all = new float[tokens * dim];
        for (int i = 0; i < all.length; i++) all[i] = Float.intBitsToFloat(rnd.nextInt());   // any bit pattern
        try (PromptStates file = new FilePromptStates(tokens, dim, chunk); PromptStates heap = new HeapPromptStates(tokens, dim)) {
            for (PromptStates s : new PromptStates[] {file, heap}) {
                for (int from = 20; from >= 0; from -= chunk) {   // backwards, the last chunk partial (20..22)
                    int n = Math.min(chunk, tokens - from);
                    float[] rows = new float[chunk * dim];
                    System.arraycopy(all, from * dim, rows, 0, n * dim);
                    s.write(from, n, rows);
                }
                float[] back = new float[chunk * dim];
                for (int from = 0; from < tokens; from += chunk) {
                    int n = Math.min(chunk, tokens - from);
                    s.read(from, n, back);
                    for (int i = 0; i < n * dim; i++) {
                        assertEquals(Float.floatToRawIntBits(all[from * dim + i]), Float.floatToRawIntBits(back[i]),
                                s.getClass().getSimpleName() + " token " + (from + i / dim));
                    }
                }
                float[] one = new float[dim];
                s.read(tokens - 1, 1, one);   // the prefill reads the last token alone for the logits
                assertEquals(Float.floatToRawIntBits(all[(tokens - 1) * dim]), Float.floatToRawIntBits(one[0]));
            }
        }
    }
}
