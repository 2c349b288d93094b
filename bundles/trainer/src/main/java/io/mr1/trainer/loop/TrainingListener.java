package io.mr1.trainer.loop;

import io.mr1.api.backend.Policy;
import java.io.IOException;

/**
 * Hears what the {@link TrainingLoop} does (DJL's TrainingListener is the model): metrics
 * sinks, the progress bar, the samples writer, periodic evaluation and the stop signal are
 * all listeners, called in the order they are given. Every hook has an empty default.
 */
public interface TrainingListener extends AutoCloseable {

    /**
     * Before the first step of this call (step 0, or the checkpoint's step on resume).
     *
     * @param startStep the first step that will run
     * @param totalSteps t
     * @throws IOException if the listener cannot prepare its files
     */
    default void onTrainingBegin(long startStep, long totalSteps) throws IOException {
    }

    /**
     * After every step, before the loop decides whether to checkpoint or stop.
     *
     * @param policy the policy after the step's update
     * @param outcome what the step produced
     * @param totalSteps t
     * @throws IOException if the listener cannot write
     */
    default void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
    }

    /**
     * Asked after every step but the last: true stops the run after a checkpoint.
     *
     * @return whether the run should stop now
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * After the loop has written its last checkpoint and closed the policy.
     *
     * @param result how the loop ended
     * @throws IOException if the listener cannot write
     */
    default void onTrainingEnd(TrainingLoop.Result result) throws IOException {
    }

    /** Always called once, also when the run failed: release files. */
    @Override
    default void close() throws IOException {
    }
}
