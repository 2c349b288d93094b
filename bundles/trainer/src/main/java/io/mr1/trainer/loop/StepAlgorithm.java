package io.mr1.trainer.loop;

import io.mr1.api.backend.Policy;
import io.mr1.api.task.Sample;
import java.util.List;
import java.util.Map;

/**
 * One optimisation step of some algorithm (GRPO-D, SFT) over a batch of samples. The loop
 * owns the order of the data, checkpoints and listeners; the algorithm owns what a step does
 * and any state that must survive a resume (the KL schedule's controller, for GRPO-D).
 */
public interface StepAlgorithm {

    /**
     * Runs one step.
     *
     * @param policy the policy being trained
     * @param batch the step's samples
     * @param step s, 0-based
     * @param totalSteps t
     * @return what the step produced
     */
    StepOutcome step(Policy policy, List<Sample> batch, long step, long totalSteps);

    /**
     * State to store in a checkpoint (stored as the trainer state's {@code scheduleState}).
     *
     * @return the state; empty when the algorithm has none
     */
    default Map<String, Double> state() {
        return Map.of();
    }

    /**
     * Restores state written by {@link #state()} when a run resumes.
     *
     * @param state the stored state
     */
    default void restore(Map<String, Double> state) {
    }
}
