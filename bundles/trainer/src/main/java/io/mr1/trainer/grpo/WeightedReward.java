package io.mr1.trainer.grpo;

import io.mr1.api.reward.RewardFunction;

/**
 * A reward function with the weight w_k it has in one run's R = sum_k w_k R_k.
 *
 * @param function the reward plugin
 * @param name its name, captured when the run resolved it
 * @param weight its weight in the total
 */
public record WeightedReward(RewardFunction function, String name, double weight) {

    /**
     * With the weight the plugin is configured with.
     *
     * @param function the reward plugin
     * @return the weighted reward
     */
    public static WeightedReward of(RewardFunction function) {
        return new WeightedReward(function, function.name(), function.weight());
    }
}
