package io.mr1.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    @Test
    void oneTokensLogProbabilityIsExactlyThatOfTheWholeRow() {
        Random random = new Random(4);
        int vocab = 37;
        float[] logits = new float[3 * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        TokenSampler.ban(logits, vocab, new int[] {5});
        for (int row = 0; row < 3; row++) {
            double[] all = TokenSampler.logSoftmax(logits, row * vocab, vocab, 1.0);
            for (int token = 0; token < vocab; token++) {
                assertEquals(all[token], TokenSampler.logProbability(logits, row * vocab, vocab, token), 0.0,
                        "row " + row + " token " + token);
            }
        }
    }

    @Test
    void drawsAtUniformNumbersAreTheSeededStreamsDrawsAndFollowTheTruncatedDistribution() {
        Random random = new Random(8);
        int vocab = 30;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        double[][] settings = {{1, 0, 1}, {0.7, 6, 1}, {1.2, 0, 0.85}, {0, 0, 1}};
        for (double[] s : settings) {
            Random stream = new Random(9);
            Random same = new Random(9);
            for (int i = 0; i < 200; i++) {
                int expected = TokenSampler.sample(logits, 0, vocab, s[0], (int) s[1], s[2], stream);
                double u = s[0] == 0 ? 0 : same.nextDouble();
                assertEquals(expected, TokenSampler.sample(logits, 0, vocab, s[0], (int) s[1], s[2], u));
            }
            if (s[0] > 0) {
                double[] p = TokenSampler.distribution(logits, 0, vocab, s[0], (int) s[1], s[2]);
                assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-12);
                long kept = java.util.Arrays.stream(p).filter(v -> v > 0).count();
                if (s[1] > 0) {
                    assertEquals(true, kept <= s[1], "top-k keeps at most k tokens");
                }
            }
        }
    }
}
