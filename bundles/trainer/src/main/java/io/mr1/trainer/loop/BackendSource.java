package io.mr1.trainer.loop;

import io.mr1.api.backend.PolicyBackend;
import java.util.Optional;

/**
 * Where the {@link TrainingLoop} gets the backend of each step. The run's configuration names
 * the backend it wants ({@link #requested}); the installed backends come and go as their adapter
 * bundles do. Between two steps the loop compares the two: a different name switches backend
 * at a checkpoint, a backend that left pauses the run until one is back.
 *
 * <p>While the loop holds a policy of a backend it says so ({@link #hold}); a source whose
 * backend is being removed may wait for {@link #release} (the end of the current step and its
 * checkpoint) before letting the removal finish, so that nothing of the step is lost.
 */
public interface BackendSource {

    /**
     * The backend the run's configuration names now.
     *
     * @return a backend name
     */
    String requested();

    /**
     * An installed backend that is not on its way out.
     *
     * @param name its name
     * @return the backend, or empty while none of that name is installed
     */
    Optional<PolicyBackend> find(String name);

    /**
     * The loop now holds a policy of this backend.
     *
     * @param backend the backend
     */
    default void hold(PolicyBackend backend) {
    }

    /**
     * The loop has checkpointed and closed its policy of this backend.
     *
     * @param backend the backend
     */
    default void release(PolicyBackend backend) {
    }

    /**
     * Waits until the configuration or the installed backends may have changed.
     *
     * @param millis at most this long
     * @throws InterruptedException if interrupted
     */
    default void awaitChange(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    /**
     * One backend for the whole run (tests, and anything that runs without configuration).
     *
     * @param backend the backend
     * @return a source that always gives it
     */
    static BackendSource fixed(PolicyBackend backend) {
        return new BackendSource() {
            @Override
            public String requested() {
                return backend.name();
            }

            @Override
            public Optional<PolicyBackend> find(String name) {
                return name.equals(backend.name()) ? Optional.of(backend) : Optional.empty();
            }
        };
    }
}
