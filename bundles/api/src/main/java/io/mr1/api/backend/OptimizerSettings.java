package io.mr1.api.backend;

/**
 * AdamW with gradient-norm clipping and a learning rate that warms up linearly then
 * decays. Defaults follow TRL / R1-V where the paper is silent.
 *
 * @param learningRate peak learning rate (paper: 1e-6 for Qwen2-VL)
 * @param weightDecay decoupled weight decay
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param epsilon Adam epsilon
 * @param maxGradNorm clip the global gradient norm to this; 0 disables clipping
 * @param warmupSteps linear warm-up steps
 * @param totalSteps total steps, for the decay
 * @param decay shape of the decay after warm-up
 */
public record OptimizerSettings(double learningRate, double weightDecay, double beta1, double beta2, double epsilon,
                                double maxGradNorm, long warmupSteps, long totalSteps, Decay decay) {
    /** Learning-rate decay after warm-up. */
    public enum Decay {
        /** Keep the peak rate. */
        CONSTANT,
        /** Linear to 0 at totalSteps (TRL's default). */
        LINEAR,
        /** Half-cosine to 0 at totalSteps. */
        COSINE
    }

    /**
     * The learning rate at a step (0-based).
     *
     * @param step the step
     * @return the scheduled rate
     */
    public double learningRateAt(long step) {
        if (warmupSteps > 0 && step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        long span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / span);
        return switch (decay) {
            case CONSTANT -> learningRate;
            case LINEAR -> learningRate * (1 - progress);
            case COSINE -> learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
