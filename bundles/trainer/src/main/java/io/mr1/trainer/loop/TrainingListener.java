package io.mr1.trainer.loop;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
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
     * The backend of the steps from {@code step} on: called before the first step (with
     * {@code from} null) and again whenever the run switches backend at a checkpoint.
     *
     * @param step the first step run on {@code to}
     * @param from the backend of the steps before, or null at the start of this call
     * @param to the backend now in use
     * @throws IOException if the listener cannot write
     */
    default void onBackend(long step, String from, PolicyBackend to) throws IOException {
    }

    /**
     * The run is paused before {@code step} (its backend was removed, or the one requested is
     * not installed); a checkpoint of everything before it is on disk.
     *
     * @param step the step the run will continue with
     * @param message why, and what brings it back
     * @throws IOException if the listener cannot write
     */
    default void onPause(long step, String message) throws IOException {
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
