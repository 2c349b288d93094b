package io.mr1.api.kl;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The KL weight of one run, beta(s) at step s of t. Stateless schedules ignore
 * {@link #observe}; controllers (the adaptive target-KL one) update their state there,
 * and that state goes into every checkpoint so a resumed run continues identically.
 */
@ConsumerType
public interface KlSchedule {

    /**
     * The KL weight to use at a step.
     *
     * @param step s, 0-based, in [0, totalSteps]
     * @param totalSteps t, the run's total number of steps
     * @return beta(s), finite and >= 0
     */
    double beta(long step, long totalSteps);

    /**
     * Tells the schedule the KL measured at a step (after it was taken).
     *
     * @param step the step
     * @param totalSteps t
     * @param klMean the mean per-token KL estimate at that step
     */
    default void observe(long step, long totalSteps, double klMean) {
    }

    /**
     * The state to checkpoint.
     *
     * @return named numbers; empty for stateless schedules
     */
    default Map<String, Double> state() {
        return Map.of();
    }

    /**
     * Restores state saved by {@link #state()}.
     *
     * @param state the saved state
     */
    default void restore(Map<String, Double> state) {
    }
}
