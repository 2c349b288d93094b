package io.mr1.trainer.run;

import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.trainer.grpo.PluginCall;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * A task's judge called as {@link PluginCall} calls rewards: a judge that throws anything (but
 * a JVM-fatal error) or runs past its time limit judges that output wrong in every respect and
 * counts a fault, so an evaluation always finishes; a judge that times out
 * {@link io.mr1.trainer.grpo.RewardAggregator#DISABLE_AFTER} calls in a row is not called again
 * by this evaluation (every later output counts a fault).
 */
final class GuardedJudge {

    /** The time limit of one judge call. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(GuardedJudge.class.getName());
    private static final Judgement FAULT = new Judgement(false, false, false, null);

    private final Task task;
    private final PluginCall calls;
    private int timeoutsInARow;
    private int faults;

    GuardedJudge(Task task) {
        this(task, TIMEOUT);
    }

    GuardedJudge(Task task, Duration timeout) {
        this.task = task;
        this.calls = new PluginCall("judge", timeout);
    }

    /** The task's judgement of an output, or a wrong-in-every-respect one when the judge fails. */
    Judgement judge(Sample sample, String output) {
        if (timeoutsInARow >= io.mr1.trainer.grpo.RewardAggregator.DISABLE_AFTER) {
            faults++;
            return FAULT;
        }
        try {
            Judgement j = calls.call(task.name(), () -> task.judge(sample, output));
            timeoutsInARow = 0;
            if (j == null) {
                return fault(sample, "returned null");
            }
            return j;
        } catch (PluginCall.TimedOut e) {
            timeoutsInARow++;
            if (timeoutsInARow == io.mr1.trainer.grpo.RewardAggregator.DISABLE_AFTER) {
                LOG.warning("the judge of task '" + task.name() + "' ran past its time limit on " + timeoutsInARow
                        + " calls in a row; it is not called again in this evaluation (outputs count as wrong)");
            }
            return fault(sample, e.getMessage());
        } catch (PluginCall.Failed e) {
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
