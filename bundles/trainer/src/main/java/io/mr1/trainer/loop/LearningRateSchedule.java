package io.mr1.trainer.loop;

import io.mr1.api.backend.OptimizerSettings;

/**
 * The learning rate as a schedule over run steps, as beta is: linear warm-up over the first
 * {@code warmupSteps} run steps, then constant, linear or half-cosine decay to 0 at the last
 * step. Counted in run steps on every side: the mu optimisation passes of one GRPO step all
 * use that step's rate, so warm-up ends at the run step the configuration says whatever mu is.
 * The trainer computes the rate and hands the backend settings that carry exactly that rate.
 *
 * @param optimizer AdamW settings; their learning rate is the peak
 * @param warmupSteps linear warm-up, in run steps
 * @param totalSteps t
 * @param decay shape after warm-up
 */
public record LearningRateSchedule(OptimizerSettings optimizer, long warmupSteps, long totalSteps,
                                   OptimizerSettings.Decay decay) {

    /**
     * The rate at a run step (0-based).
     *
     * @param step s
     * @return the scheduled learning rate
     */
    public double rateAt(long step) {
        // The same arithmetic the backend's OptimizerSettings.learningRateAt used, so mu = 1
        // runs train bit for bit as before.
        return new OptimizerSettings(optimizer.learningRate(), 0, 0, 0, 0, 0, warmupSteps, totalSteps, decay)
                .learningRateAt(step);
    }

    /**
     * Optimiser settings for one update at a run step: the scheduled rate, held constant, so
     * the backend's own schedule (indexed by whatever step number it is given) returns it unchanged.
     *
     * @param step s
     * @return settings carrying the rate of step s
     */
    public OptimizerSettings settingsAt(long step) {
        OptimizerSettings o = optimizer;
        return new OptimizerSettings(rateAt(step), o.weightDecay(), o.beta1(), o.beta2(), o.epsilon(),
                o.maxGradNorm(), 0, totalSteps, OptimizerSettings.Decay.CONSTANT);
    }
}
