package io.mr1.trainer.loop;

/**
 * Thrown by a step that gave up before it changed the policy because a stop was requested
 * (Ctrl-C or SIGTERM while a slow reward was being waited for). The loop then checkpoints the
 * steps done so far and stops; a resumed run runs this step again from its start.
 */
public final class StepAbandoned extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was abandoned
     */
    public StepAbandoned(String message) {
        super(message);
    }
}
