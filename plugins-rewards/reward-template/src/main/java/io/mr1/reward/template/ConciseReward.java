package io.mr1.reward.template;

import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Example reward {@code concise}: 1 when a completion is at most {@code max_chars}
 * characters (Unicode code points) long, else 0. Stateless, so thread-safe.
 */
@Component(service = RewardFunction.class, configurationPid = ConciseReward.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ConciseReward.Config.class)
public final class ConciseReward implements RewardFunction {

    /** ConfigAdmin PID: configure with {@code plugins/io.mr1.reward.template.cfg}. */
    public static final String PID = "io.mr1.reward.template";

    /** Configuration; each method is a key of the .cfg file. */
    @ObjectClassDefinition(name = "mr1 concise reward (template)")
    public @interface Config {
        /** @return the weight of this reward in the total */
        double weight() default 1.0;

        /** @return the longest completion that still scores 1 (key {@code max_chars}: "__" maps to "_") */
        int max__chars() default 1024;
    }

    private final double weight;
    private final int maxChars;

    /**
     * Creates the reward with its configuration (called by DS, and again on every .cfg change).
     *
     * @param config ConfigAdmin configuration, defaults where a key is absent
     */
    @Activate
    public ConciseReward(Config config) {
        this.weight = config.weight();
        this.maxChars = config.max__chars();
    }

    @Override
    public String name() {
        return "concise";
    }

    @Override
    public double weight() {
        return weight;
    }

    @Override
    public List<RewardScore> score(Sample sample, List<String> completions) {
        return completions.stream()
                .map(text -> RewardScore.of(text != null && text.codePointCount(0, text.length()) <= maxChars ? 1.0 : 0.0))
                .toList();
    }
}
