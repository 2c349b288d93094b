package io.mr1.trainer.run;

import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.trainer.grpo.PluginCall;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * A task's judge called through {@link PluginCall}, as rewards are: a judge that throws anything
 * (but a JVM-fatal error) or runs past its time limit judges that output wrong in every respect
 * and counts a fault, so an evaluation always finishes; a judge that times out
 * {@value PluginCall#DISABLE_AFTER} calls in a row is not called again while its guard lives
 * (every later output counts a fault); and a stop request gives up on a running judge call as it
 * does on a reward call ({@link io.mr1.trainer.loop.StepAbandoned}).
 */
final class GuardedJudge {

    /** The time limit of one judge call. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(GuardedJudge.class.getName());
    private static final Judgement FAULT = new Judgement(false, false, false, null);

    private final Task task;
    private final PluginCall calls;
    private int faults;

    /** With its own guard, the default time limit and no stop. */
    GuardedJudge(Task task) {
        this(task, TIMEOUT);
    }

    /** With its own guard and no stop. */
    GuardedJudge(Task task, Duration timeout) {
        this(task, calls(timeout, () -> false));
    }

    /**
     * @param task the task whose judge is called
     * @param calls the guard (its lifetime is how long a disabled judge stays disabled)
     */
    GuardedJudge(Task task, PluginCall calls) {
        this.task = task;
        this.calls = calls;
    }

    /**
     * The guard for task judges, telling the log when it disables one.
     *
     * @param timeout the time limit of one judge call
     * @param stop whether a stop was requested
     * @return the guard
     */
    static PluginCall calls(Duration timeout, BooleanSupplier stop) {
        return calls(timeout, stop, LOG::warning);
    }

    /**
     * The guard for task judges.
     *
     * @param timeout the time limit of one judge call
     * @param stop whether a stop was requested
     * @param notice told when a judge is disabled (the console)
     * @return the guard
     */
    static PluginCall calls(Duration timeout, BooleanSupplier stop, java.util.function.Consumer<String> notice) {
        return new PluginCall("the judge of task", timeout, stop, notice,
                "it is not called again and every later output counts as wrong and as a fault");
    }

    /** The task's judgement of an output, or a wrong-in-every-respect one when the judge fails. */
    Judgement judge(Sample sample, String output) {
        if (calls.isDisabled(task.name())) {
            faults++;
            return FAULT;
        }
        try {
            Judgement j = calls.call(task.name(), () -> task.judge(sample, output));
            if (j == null) {
                return fault(sample, "returned null");
            }
            return j;
        } catch (PluginCall.TimedOut | PluginCall.Failed e) {
            return fault(sample, e.getMessage());
        }
    }

    /** @return how many outputs the judge failed on */
    int faults() {
        return faults;
    }

    private Judgement fault(Sample sample, String what) {
        faults++;
        LOG.warning("the judge of task '" + task.name() + "' " + what + " on item " + sample.id()
                + "; judged wrong and counted as a fault");
        return FAULT;
    }
}
