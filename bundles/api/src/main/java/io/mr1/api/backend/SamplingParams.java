package io.mr1.api.backend;

/**
 * How completions are sampled. Defaults follow the paper / R1-V: temperature 1, no
 * top-p or top-k truncation, 256 new tokens at most, G = 8.
 *
 * @param groupSize G, completions per prompt
 * @param temperature softmax temperature; 0 means greedy
 * @param topP nucleus mass in (0, 1]; 1 disables it
 * @param topK keep the k most likely tokens; 0 disables it
 * @param maxNewTokens length limit of a completion
 * @param seed seed of the sampler's random stream; the same seed gives the same tokens
 */
public record SamplingParams(int groupSize, double temperature, double topP, int topK, int maxNewTokens, long seed) {

    /** Validates the ranges. */
    public SamplingParams {
        if (groupSize < 1) {
            throw new IllegalArgumentException("groupSize must be >= 1, was " + groupSize);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, was " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, was " + topK);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, was " + maxNewTokens);
        }
    }

    /**
     * The paper's settings with a given seed.
     *
     * @param seed sampler seed
     * @return G = 8, temperature 1, top-p 1, top-k off, 256 new tokens
     */
    public static SamplingParams paperDefaults(long seed) {
        return new SamplingParams(8, 1.0, 1.0, 0, 256, seed);
    }
}
