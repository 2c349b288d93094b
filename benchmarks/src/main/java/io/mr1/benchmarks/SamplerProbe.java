package io.mr1.benchmarks;

import io.mr1.policy.TokenSampler;
import java.util.Random;

/**
 * Times the Java-side part of decoding ({@code io.mr1.policy.Decoder}), the per-row
 * {@code TokenSampler} work, without the engine, so the sampling figure can be split into
 * engine and sampler time.
 */
public final class SamplerProbe {

    private SamplerProbe() {
    }

    /**
     * Runs what {@code EnginePolicy.sample (Decoder)} does on the host for every new token of every row
     * (ban the vision placeholders, draw a token, then the row's log-softmax for the token's
     * log-prob) on random logits.
     *
     * @param rows rows sampled together (B x G)
     * @param vocab vocabulary size
     * @param steps new tokens per row
     * @param temperature sampling temperature
     * @param topP nucleus mass
     * @param topK top-k (0 = off)
     * @param banned token ids the policy bans (the vision placeholders)
     * @param seed seed of the logits and of the draws
     * @return seconds spent
     */
    public static double seconds(int rows, int vocab, int steps, double temperature, double topP, int topK,
                                 int[] banned, long seed) {
        Random random = new Random(seed);
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 0.5); // about the spread of a random model's logits
        }
        long sink = 0;
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            for (int r = 0; r < rows; r++) {
                TokenSampler.ban(logits, r * vocab, banned);
                int token = TokenSampler.sample(logits, r * vocab, vocab, temperature, topK, topP, random);
                sink += token + (long) TokenSampler.logProbability(logits, r * vocab, vocab, token);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return sink == Long.MIN_VALUE ? -seconds : seconds; // keeps the loop's result alive
    }
}
