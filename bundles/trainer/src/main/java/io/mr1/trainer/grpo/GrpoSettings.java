package io.mr1.trainer.grpo;

import io.mr1.api.backend.PolicyLoss.Aggregation;
import io.mr1.api.backend.PolicyLoss.KlEstimator;
import io.mr1.api.backend.SamplingParams;
import io.mr1.trainer.loop.LearningRateSchedule;

/**
 * Settings of a GRPO-D run. Defaults follow the paper / R1-V where they are exact (G = 8,
 * one pass per batch, k3, per-sequence mean, std scaling with eps 1e-4) and TRL
 * where the paper is silent (clip eps 0.2).
 *
 * @param sampling G, temperature, top-p/k, max new tokens, seed
 * @param mu optimisation passes per sampled batch (1 reproduces R1-V, where rho = 1)
 * @param epsLow lower clip range
 * @param epsHigh upper clip range (= epsLow for a symmetric clip)
 * @param estimator KL estimator
 * @param aggregation token/sequence reduction
 * @param scaleRewards divide advantages by the group's std (+ eps)
 * @param advantageEps eps in the advantage denominator
 * @param learningRate AdamW settings with the learning rate as a schedule over run steps
 * @param microBatchSize completions per forward/backward pass, gradients accumulated (0: the whole step at once)
 */
public record GrpoSettings(SamplingParams sampling, int mu, double epsLow, double epsHigh, KlEstimator estimator,
                           Aggregation aggregation, boolean scaleRewards, double advantageEps,
                           LearningRateSchedule learningRate, int microBatchSize) {

    /** Validates the ranges. */
    public GrpoSettings {
        if (mu < 1) {
            throw new IllegalArgumentException("mu must be >= 1, was " + mu);
        }
        if (microBatchSize < 0) {
            throw new IllegalArgumentException("micro_batch_size must be >= 0 (0: whole batch), was " + microBatchSize);
        }
        if (!(epsLow >= 0 && epsLow < 1) || !(epsHigh >= 0)) {
            throw new IllegalArgumentException("clip ranges must satisfy 0 <= eps < 1 and eps_high >= 0: "
                    + epsLow + ", " + epsHigh);
        }
    }
}
