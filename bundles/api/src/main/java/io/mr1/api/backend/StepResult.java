package io.mr1.api.backend;

import java.util.Objects;

/**
 * What one optimisation step reports back.
 *
 * @param loss the loss value before the update (of the whole batch, however it was micro-batched)
 * @param gradNorm global gradient norm before clipping
 * @param statistics what the loss measured (KL, clip ratios, token counts), typed
 */
public record StepResult(double loss, double gradNorm, LossStatistics statistics) {
    /** Requires the statistics. */
    public StepResult {
        Objects.requireNonNull(statistics, "statistics");
    }
}
