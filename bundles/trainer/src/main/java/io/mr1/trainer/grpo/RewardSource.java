package io.mr1.trainer.grpo;

import java.util.List;
import java.util.Map;

/** Which rewards score a step: fixed for a run, or as installed at each step ({@link LiveRewards}). */
public interface RewardSource {

    /**
     * The rewards and weights that score one step; called once at the start of the step.
     *
     * @param step the step, 0-based
     * @return the rewards in R for this step
     */
    List<WeightedReward> at(long step);

    /**
     * @return for the last step {@link #at} was called for: reward name to the bundle and version that
     *     scored it ({@code symbolic.name@version}); empty when not known
     */
    Map<String, String> bundles();

    /**
     * The same rewards at every step.
     *
     * @param rewards rewards and weights
     * @return the source
     */
    static RewardSource fixed(List<WeightedReward> rewards) {
        List<WeightedReward> copy = List.copyOf(rewards);
        return new RewardSource() {
            @Override
            public List<WeightedReward> at(long step) {
                return copy;
            }

            @Override
            public Map<String, String> bundles() {
                return Map.of();
            }
        };
    }
}
