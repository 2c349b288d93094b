package io.mr1.api.reward;

import io.mr1.api.task.Sample;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A reward function: scores the G completions of one sample against its ground truth.
 * Registered as an OSGi service by a reward plugin bundle (one DS component). The
 * trainer treats a thrown exception, NaN or infinity for a completion as a fault: that
 * completion scores 0 for this reward, and the fault is counted and logged.
 *
 * <p>Implementations must be stateless and thread-safe: several trainers or commands
 * may call them at once.
 */
@ConsumerType
public interface RewardFunction {

    /**
     * The reward's name as used in configs, metrics ({@code reward/NAME/mean}) and on
     * the command line.
     *
     * @return a short lower-case name such as {@code accuracy}
     */
    String name();

    /**
     * The weight w_k of this reward in R = sum_k w_k R_k, as configured for the component
     * (ConfigAdmin key {@code weight}); a run config may override it.
     *
     * @return the weight, 1 unless configured
     */
    default double weight() {
        return 1.0;
    }

    /**
     * Scores completions of one sample.
     *
     * @param sample the sample, carrying the ground truth in {@link Sample#solution()}
     * @param completions the completion texts
     * @return one score per completion, same order
     */
    List<RewardScore> score(Sample sample, List<String> completions);
}
