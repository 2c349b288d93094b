package io.mr1.trainer.loop;

import java.util.Map;

/**
 * What a checkpoint holds besides the policy: enough to continue as if never stopped.
 * The data position and the sampler's random stream are functions of (seed, step), so the
 * step and the seed restore both.
 *
 * @param step the next step to run
 * @param totalSteps t
 * @param seed the run's seed (data order and sampling streams derive from it)
 * @param scheduleState the KL schedule's state (the adaptive controller's beta ...)
 */
public record TrainerState(long step, long totalSteps, long seed, Map<String, Double> scheduleState) {
    /** Copies the state map. */
    public TrainerState {
        scheduleState = Map.copyOf(scheduleState);
    }
}
