package io.mr1.reward.format;

import io.mr1.answers.ThinkAnswerFormat;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * R_format: R1-V's {@code re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", text, re.DOTALL)}.
 * The whole text must match, so leading or trailing text (even whitespace) scores 0,
 * exactly as in R1-V; newlines inside the tags are allowed. Decided by
 * {@link ThinkAnswerFormat#matches}, a linear scan with the regex's verdicts (the regex
 * itself backtracks for seconds to minutes on long repeated or unclosed tag text).
 */
@Component(service = RewardFunction.class, configurationPid = FormatReward.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = FormatReward.Config.class)
public final class FormatReward implements RewardFunction {

    /** ConfigAdmin PID ({@code plugins/io.mr1.reward.format.cfg}). */
    public static final String PID = "io.mr1.reward.format";

    /** Configuration of the format reward. */
    @ObjectClassDefinition(name = "mr1 format reward")
    public @interface Config {
        /** @return the weight alpha of R_format in R = R_acc + alpha R_format */
        @AttributeDefinition(description = "Weight of this reward in the total (paper: alpha = 1)")
        double weight() default 1.0;
    }

    private final double weight;

    /**
     * Creates the reward with its configuration.
     *
     * @param config ConfigAdmin configuration
     */
    @Activate
    public FormatReward(Config config) {
        this.weight = config.weight();
    }

    /** Creates the reward with weight 1 (outside a framework, for tests and tools). */
    public FormatReward() {
        this.weight = 1.0;
    }

    @Override
    public String name() {
        return "format";
    }

    @Override
    public double weight() {
        return weight;
    }

    /**
     * Whether one text is in the think/answer format.
     *
     * @param text completion text
     * @return true when the whole text matches
     */
    public static boolean matches(String text) {
        return ThinkAnswerFormat.matches(text);
    }

    @Override
    public List<RewardScore> score(Sample sample, List<String> completions) {
        List<RewardScore> scores = new ArrayList<>(completions.size());
        for (String text : completions) {
            scores.add(RewardScore.of(matches(text) ? 1.0 : 0.0));
        }
        return scores;
    }
}
