package io.mr1.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.policy.TensorEngine;
import io.mr1.policy.TokenDraw;
import io.mr1.policy.TokenSampler;
import java.util.Arrays;
import java.util.Random;

/**
 * The engine's token draw ({@link TensorEngine#drawTokens}, on the device where the engine
 * does it) against the host sampler {@link TokenSampler}, for greedy, untruncated, top-k,
 * top-p and both:
 * <ul>
 *   <li>at the same uniform numbers it draws the same tokens, except where a number falls
 *       within float32 rounding of a boundary of the cumulative distribution (at most 0.5 % of
 *       rows; the float32 cumulative sum is off by ~1e-6 where the host's double one is exact to
 *       ~1e-15), and the same log-probs to 1e-5;</li>
 *   <li>its token counts over 4000 rows fit the exact truncated distribution (Pearson's
 *       chi-square below the 0.1 % critical value; the rows are seeded, so the test is
 *       deterministic);</li>
 *   <li>the same call twice gives bit-identical ids and log-probs; banned tokens never come.</li>
 * </ul>
 */
final class SamplingChecks {

    private SamplingChecks() {
    }

    static void check(TensorEngine engine) {
        int vocab = 40;
        int rows = 4000;
        int[] banned = {3, 7};
        Random random = new Random(31);
        double[] row = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            row[i] = (float) (random.nextGaussian() * 1.5);
        }
        double[] logits = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(row, 0, logits, r * vocab, vocab);
        }
        double[][] settings = {{0, 0, 1}, {1, 0, 1}, {0.7, 0, 1}, {1, 5, 1}, {1.3, 0, 0.8}, {0.8, 12, 0.9}};
        for (double[] s : settings) {
            double temperature = s[0];
            int topK = (int) s[1];
            double topP = s[2];
            String name = "T=" + temperature + " top-k=" + topK + " top-p=" + topP;
            double[] uniforms = new double[rows];
            for (int r = 0; r < rows; r++) {
                uniforms[r] = temperature == 0 ? 0 : random.nextDouble();
            }
            TokenDraw[] draws = engine.scoped(() -> {
                var t = engine.tensors().constant(logits, rows, vocab);
                return new TokenDraw[] {engine.drawTokens(t, banned, temperature, topK, topP, uniforms),
                    engine.drawTokens(t, banned, temperature, topK, topP, uniforms),
                    TokenDraw.onHost(t, banned, temperature, topK, topP, uniforms)};
            });
            assertArrayEquals(draws[0].tokens(), draws[1].tokens(), name + ": same ids twice");
            assertArrayEquals(draws[0].logProbs(), draws[1].logProbs(), 0f, name + ": same log-probs twice");
            int differ = 0;
            long[] counts = new long[vocab];
            for (int r = 0; r < rows; r++) {
                int token = draws[0].tokens()[r];
                assertTrue(token >= 0 && token < vocab && token != 3 && token != 7, name + ": token " + token);
                counts[token]++;
                if (token != draws[2].tokens()[r]) {
                    differ++;
                } else {
                    assertEquals(draws[2].logProbs()[r], draws[0].logProbs()[r], 1e-5, name + ": log-prob");
                }
            }
            assertTrue(differ <= rows / 200, name + ": " + differ + " of " + rows + " rows drew another token");
            if (temperature > 0) {
                double[] expected = distribution(row, banned, temperature, topK, topP);
                double chi = 0;
                int cells = 0;
                double pooledExpected = 0; // tokens expected fewer than 5 times share one cell
                long pooledCount = 0;
                for (int i = 0; i < vocab; i++) {
                    if (expected[i] == 0) {
                        assertEquals(0, counts[i], name + ": token " + i + " is outside the truncated set");
                        continue;
                    }
                    double e = expected[i] * rows;
                    if (e < 5) {
                        pooledExpected += e;
                        pooledCount += counts[i];
                        continue;
                    }
                    chi += (counts[i] - e) * (counts[i] - e) / e;
                    cells++;
                }
                if (pooledExpected > 0) {
                    chi += (pooledCount - pooledExpected) * (pooledCount - pooledExpected) / pooledExpected;
                    cells++;
                }
                double critical = chiSquareCritical(cells - 1);
                assertTrue(chi < critical, name + ": chi-square " + chi + " >= " + critical + " (" + (cells - 1)
                        + " degrees of freedom), counts " + Arrays.toString(counts));
            }
        }
    }

    /** The exact truncated distribution the host sampler draws from, in double precision. */
    static double[] distribution(double[] row, int[] banned, double temperature, int topK, double topP) {
        float[] logits = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            logits[i] = (float) row[i];
        }
        TokenSampler.ban(logits, 0, banned);
        return TokenSampler.distribution(logits, 0, row.length, temperature, topK, topP);
    }

    /** The chi-square distribution's 99.9 % quantile (Wilson-Hilferty; within 1 % for df >= 3, and df 1: 10.83). */
    static double chiSquareCritical(int df) {
        if (df <= 1) {
            return 10.83;
        }
        double z = 3.0902; // the standard normal's 99.9 % quantile
        double a = 2.0 / (9.0 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }
}
