package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernels with a vector exp (softmax, SwiGLU gating) against double-precision references of the same float inputs. */
class VectorExpTest {

    @Test
    void matchesDoubleReferenceWithinAFewUlps() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n : new int[] {1, 3, 15, 16, 17, 100, 1000, 4099}) {
            for (double spread : new double[] {0.1, 5, 40, 200}) {
                float[] s = new float[n + 2];
                for (int i = 0; i < s.length; i++) s[i] = (float) ((rnd.nextDouble() * 2 - 1) * spread);
                float[] ref = reference(s, 1, n);
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) max = Math.max(max, s[1 + i]);
                float[] gap = new float[n];
                for (int i = 0; i < n; i++) gap[i] = Math.abs(s[1 + i] - max);
                VectorMath.softmax(s, 1, n);
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double err = Math.abs(s[1 + i] - ref[i]);
                    // x − max is rounded to float first (relative error of e^x up to |x − max| · 2^-24, as with
                    // Math.exp), then a few ulp from the polynomial; absolutely tiny near the underflow limit
                    assertTrue(err <= ref[i] * (gap[i] * 0x1p-23 + 0x1p-21) + 1e-37, "n " + n + " spread " + spread + " i " + i + ": " + s[1 + i] + " vs " + ref[i]);
                    total += s[1 + i];
                }
                assertEquals(1.0, total, 1e-5, "sums to one");
            }
        }
    }

    @Test
    void minusInfinityGivesExactlyZeroAndHugeGapsUnderflowToZero() {
        float[] s = new float[32];
        java.util.Arrays.fill(s, Float.NEGATIVE_INFINITY);
        s[5] = 3f;
        s[20] = 3f - 200f;
        VectorMath.softmax(s, 0, 32);
        assertEquals(1f, s[5]);
        for (int i = 0; i < 32; i++) if (i != 5) assertEquals(0f, s[i], "index " + i);
    }

    private static float[] reference(float[] s, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, s[off + i]);
        double sum = 0;
        double[] e = new double[n];
        for (int i = 0; i < n; i++) sum += e[i] = Math.exp(s[off + i] - max);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (e[i] / sum);
        return out;
    }

    @Test
    void siluMulMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 203;
        float[] g = new float[n], u = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) ((rnd.nextDouble() * 2 - 1) * (i < 100 ? 6 : 120));
            u[i] = (float) rnd.nextGaussian();
        }
        g[0] = 0f;
        g[1] = -200f;
        g[2] = 1000f;
        float[] out = g.clone();
        VectorMath.siluMul(out, u, 1, n);
        assertEquals(g[0], out[0], "outside the range: untouched");
        for (int i = 1; i < n; i++) {
            double ref = g[i] / (1 + Math.exp(-(double) g[i])) * u[i];
            assertEquals(ref, out[i], Math.abs(ref) * 1e-6 + 1e-30, "index " + i + " gate " + g[i]);
        }
    }
}
