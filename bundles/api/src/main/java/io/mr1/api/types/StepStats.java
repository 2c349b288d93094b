package io.mr1.api.types;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Statistics of one training step, as written to metrics.jsonl: a step number and named
 * values. Names follow {@link #KEYS}'s conventions so reports and sinks can find them, and are
 * TRL's GRPOTrainer names wherever TRL logs the same quantity; per-reward values use
 * {@code rewards/NAME/mean} and {@code rewards/NAME/std} (see {@link KEYS#rewardMean}).
 *
 * @param step the step number, 0-based count of completed optimisation steps before this one
 * @param values metric name to value, in insertion order
 */
public record StepStats(long step, Map<String, Double> values) {
    /** Conventional metric names. */
    public static final class KEYS {
        /** Weighted total reward, mean over completions. */
        public static final String REWARD = "reward";
        /** Weighted total reward, standard deviation over completions. */
        public static final String REWARD_STD = "reward_std";
        /** Fraction of completions judged correct by the accuracy reward. */
        public static final String ACCURACY = "accuracy";
        /** Fraction of completions in the think/answer format. */
        public static final String FORMAT_RATE = "format_rate";
        /** Mean per-token KL estimate to the reference policy. */
        public static final String KL = "kl";
        /** The KL weight used at this step. */
        public static final String BETA = "beta";
        /** Fraction of tokens clipped at 1 - eps (ratio below and negative advantage); TRL's name. */
        public static final String CLIP_LOW = "clip_ratio/low_mean";
        /** Fraction of tokens clipped at 1 + eps_high (ratio above and positive advantage); TRL's name. */
        public static final String CLIP_HIGH = "clip_ratio/high_mean";
        /** Mean completion length in tokens; TRL's name. */
        public static final String COMPLETION_LENGTH = "completions/mean_length";
        /** The learning rate of this step's update(s). */
        public static final String LEARNING_RATE = "learning_rate";
        /** Wall time of the step in seconds (sampling, scoring and update; the one value a resumed run does not reproduce). */
        public static final String STEP_TIME = "step_time";
        /** The loss value. */
        public static final String LOSS = "loss";
        /** Gradient norm before clipping. */
        public static final String GRAD_NORM = "grad_norm";
        /** Fraction of prompt groups whose rewards were all equal (zero advantage). */
        public static final String ZERO_STD_FRACTION = "frac_reward_zero_std";
        /** Number of reward-plugin faults (throws, NaN, infinity) at this step. */
        public static final String REWARD_FAULTS = "reward_faults";

        private KEYS() {
        }

        /**
         * The mean of one reward function over a step's completions (TRL: {@code rewards/NAME/mean}).
         *
         * @param reward the reward's name
         * @return the key
         */
        public static String rewardMean(String reward) {
            return "rewards/" + reward + "/mean";
        }

        /**
         * The standard deviation of one reward function over a step's completions.
         *
         * @param reward the reward's name
         * @return the key
         */
        public static String rewardStd(String reward) {
            return "rewards/" + reward + "/std";
        }
    }

    /** Copies the values, keeping their order. */
    public StepStats {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * A value by name.
     *
     * @param key metric name
     * @return the value, or NaN when absent
     */
    public double get(String key) {
        return values.getOrDefault(key, Double.NaN);
    }
}
