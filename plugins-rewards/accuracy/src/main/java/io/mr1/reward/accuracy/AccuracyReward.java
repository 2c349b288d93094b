package io.mr1.reward.accuracy;

import io.mr1.answers.Answers;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * R_acc: 1 when the content of the completion's last {@code <answer>...</answer>} block
 * equals the ground truth {@link Sample#solution()}, else 0, as mr1's one answer judge
 * ({@link Answers#judge}, the same the tasks' evaluation uses) decides: numbers and simple
 * symbolic expressions by value (units and degree signs ignored), a single-letter truth as
 * a choice letter, anything else as normalised text. Unlike R1-V, text outside the answer
 * tags is never scored: a completion without them scores 0.
 *
 * <p>The answer type of the sample is not consulted: the truth's own form decides, so a
 * mislabelled sample is still judged sensibly. Never throws; stateless and thread-safe.
 */
@Component(service = RewardFunction.class, configurationPid = AccuracyReward.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = AccuracyReward.Config.class)
public final class AccuracyReward implements RewardFunction {

    /** ConfigAdmin PID ({@code plugins/io.mr1.reward.accuracy.cfg}). */
    public static final String PID = "io.mr1.reward.accuracy";

    /** Configuration of the accuracy reward. */
    @ObjectClassDefinition(name = "mr1 accuracy reward")
    public @interface Config {
        /** @return the weight of R_acc in R = R_acc + alpha R_format */
        @AttributeDefinition(description = "Weight of this reward in the total (paper: 1)")
        double weight() default 1.0;
    }

    private final double weight;

    /**
     * Creates the reward with its configuration.
     *
     * @param config ConfigAdmin configuration
     */
    @Activate
    public AccuracyReward(Config config) {
        this.weight = config.weight();
    }

    /** Creates the reward with weight 1 (outside a framework, for tests and tools). */
    public AccuracyReward() {
        this.weight = 1.0;
    }

    @Override
    public String name() {
        return "accuracy";
    }

    @Override
    public double weight() {
        return weight;
    }

    /**
     * Scores one completion against one ground truth.
     *
     * @param completion completion text, possibly null
     * @param solution ground truth, possibly null
     * @return 1 or 0, with diagnostics {@code extracted} (the answer text read, empty when
     *     there is none), {@code method} ({@code value}, {@code choice}, {@code text} or why
     *     nothing was compared) and, where read, {@code value} and {@code truth_value}
     */
    public static RewardScore scoreOne(String completion, String solution) {
        try {
            Answers.Verdict verdict = Answers.judge(completion, solution);
            return new RewardScore(verdict.correct() ? 1.0 : 0.0, verdict.diagnostics());
        } catch (RuntimeException e) {
            // A blank ground truth (loaders reject it, naming the line) or an unexpected fault:
            // one odd item must not fail a whole batch, so it scores 0 and says why.
            return new RewardScore(0.0, Map.of("extracted", "", "method", "error", "error", String.valueOf(e)));
        }
    }

    @Override
    public List<RewardScore> score(Sample sample, List<String> completions) {
        if (completions == null) {
            return List.of();
        }
        String solution = sample == null ? null : sample.solution();
        List<RewardScore> scores = new ArrayList<>(completions.size());
        for (String text : completions) {
            scores.add(scoreOne(text, solution));
        }
        return scores;
    }
}
