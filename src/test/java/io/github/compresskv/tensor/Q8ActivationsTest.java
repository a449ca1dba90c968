package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Q8ActivationsTest {

    @Test
    void blocksAreRoundedToTheNearestStepOfMaxOver127() {
        Random random = new Random(3);
        float[] x = RandomWeights.floats(96, random);
        x[40] = 0f; // a block of zeros as well
        for (int i = 64; i < 96; i++) x[i] = 0f;
        Q8Activations q = new Q8Activations().quantize(x, 96);
        for (int b = 0; b < 3; b++) {
            float amax = 0;
            for (int i = 32 * b; i < 32 * b + 32; i++) amax = Math.max(amax, Math.abs(x[i]));
            assertEquals(amax / 127f, q.d[b], 0f, "block " + b + " scale");
            int sum = 0;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                int expected = amax == 0 ? 0 : Math.round(x[i] * (127f / amax));
                assertTrue(Math.abs(q.q[i] - expected) <= (Math.abs(Math.abs(x[i] * (127f / amax)) % 1f - 0.5f) < 1e-4 ? 1 : 0),
                        "element " + i + ": " + q.q[i] + " vs " + expected);
                assertTrue(Math.abs(q.q[i]) <= 127, "element " + i + " in range");
                sum += q.q[i];
            }
            assertEquals(q.d[b] * sum, q.dsum[b], 0f, "block " + b + " d·Σq");
        }
    }

    @Test
    void onByDefaultAt256BitsOnlyAndThePropertyIsChecked() {
        assertTrue(Q8Activations.enabled(null, 256));
        assertFalse(Q8Activations.enabled(null, 512));
        assertFalse(Q8Activations.enabled(null, 128));
        assertTrue(Q8Activations.enabled("true", 512));
        assertFalse(Q8Activations.enabled("true", 128));
        assertFalse(Q8Activations.enabled(" FALSE ", 256));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Q8Activations.enabled("yes", 256));
        assertTrue(e.getMessage().contains(Q8Activations.PROPERTY), e.getMessage());
    }
}
