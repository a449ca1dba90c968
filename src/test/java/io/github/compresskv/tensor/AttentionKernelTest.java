package io.github.compresskv.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The register-blocked attention kernels (scores of rows, weighted sums of rows, F32 and F16) against double loops. */
class AttentionKernelTest {

    @Test
    void matchesNaiveSumForEveryWidthAndRowCount() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n : new int[] {1, 7, 16, 32, 48, 64, 80, 128, 200}) {
            for (int rows : new int[] {0, 1, 2, 3, 5, 64, 301}) {
                int stride = n + 3; // rows need not be packed
                float[] x = new float[rows * stride + 5];
                short[] h = new short[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = Float.float16ToFloat(Float.floatToFloat16((float) rnd.nextGaussian()));
                    h[i] = Float.floatToFloat16(x[i]);
                }
                float[] w = new float[rows + 2];
                for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
                float[] y = new float[n + 4], yh = new float[n + 4];
                for (int i = 0; i < y.length; i++) y[i] = yh[i] = (float) rnd.nextGaussian();
                double[] ref = new double[n];
                for (int j = 0; j < n; j++) {
                    ref[j] = y[2 + j];
                    for (int r = 0; r < rows; r++) ref[j] += (double) w[1 + r] * x[r * stride + j];
                }
                VectorMath.weightedRowSum(w, 1, rows, x, stride, y, 2, n);
                VectorMath.weightedRowSumF16(w, 1, rows, h, stride, yh, 2, n);
                for (int j = 0; j < n; j++) {
                    double tol = 1e-5 * (1 + rows);
                    assertEquals(ref[j], y[2 + j], tol, "F32 n " + n + " rows " + rows + " j " + j);
                    assertEquals(ref[j], yh[2 + j], tol, "F16 n " + n + " rows " + rows + " j " + j);
                }
                assertEquals(y.length, y.length);
            }
        }
    }

    @Test
    void rowDotsMatchNaiveDots() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : new int[] {4, 8, 16, 32, 64, 128, 96}) {
            for (int rows : new int[] {0, 1, 2, 3, 17}) {
                int stride = n + 1;
                float[] x = new float[rows * stride + 1], q = new float[n + 3];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
                float[] out = new float[rows + 1];
                VectorMath.rowDots(x, stride, rows, q, 2, n, 0.5f, out, 1);
                for (int r = 0; r < rows; r++) {
                    double ref = 0;
                    for (int j = 0; j < n; j++) ref += (double) x[r * stride + j] * q[2 + j];
                    assertEquals(0.5 * ref, out[1 + r], 1e-5 * n, "n " + n + " row " + r);
                }
            }
        }
    }
}
