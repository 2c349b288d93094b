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
}
