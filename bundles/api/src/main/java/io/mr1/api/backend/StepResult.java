package io.mr1.api.backend;

import java.util.Map;

/**
 * What one optimisation step reports back.
 *
 * @param loss the loss value before the update
 * @param gradNorm global gradient norm before clipping
 * @param extra engine- or loss-specific statistics (kl, clip fractions ...) by the names of
 *     {@link io.mr1.api.types.StepStats.KEYS}
 */
public record StepResult(double loss, double gradNorm, Map<String, Double> extra) {
    /** Copies the map. */
    public StepResult {
        extra = Map.copyOf(extra);
    }
}
