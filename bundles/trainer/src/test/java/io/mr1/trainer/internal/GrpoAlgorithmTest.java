package io.mr1.trainer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss.Aggregation;
import io.mr1.api.backend.PolicyLoss.KlEstimator;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.StepStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpoAlgorithmTest {

    /** Reward 1 when the completion contains token 3. */
    static final RewardFunction SAYS_THREE = new RewardFunction() {
        @Override
        public String name() {
            return "says-three";
        }

        @Override
        public List<RewardScore> score(Sample sample, List<String> completions) {
            return completions.stream().map(c -> RewardScore.of(c.contains("3") ? 1 : 0)).toList();
        }
    };

    static KlSchedule constant(double beta) {
        return (step, total) -> beta;
    }

    static GrpoSettings settings(int mu, long seed) {
        return new GrpoSettings(new SamplingParams(8, 1.0, 1.0, 0, 2, seed), mu, 0.2, 0.2, KlEstimator.K3,
                Aggregation.SEQUENCE_MEAN, true, 1e-4,
                new OptimizerSettings(0.5, 0, 0.9, 0.999, 1e-8, 0, 0, 40, OptimizerSettings.Decay.CONSTANT), 0);
    }

    static List<Sample> prompts(int n) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sample(Prompt.text("p" + i, "say a number"), "say a number", "3", AnswerType.INTEGER));
        }
        return out;
    }

    @Test
    void learningRaisesTheRewardOfAToyRule() {
        for (int mu : new int[] {1, 2}) {
            TabularPolicy policy = new TabularPolicy(5, 2);
            GrpoAlgorithm algorithm = new GrpoAlgorithm(new RewardAggregator());
            List<WeightedReward> rewards = List.of(new WeightedReward(SAYS_THREE, "says-three", 1.0));
            List<Double> curve = new ArrayList<>();
            for (int step = 0; step < 40; step++) {
                curve.add(algorithm.step(policy, prompts(4), rewards, constant(0.04), step, 40, settings(mu, 5))
                        .stats().get(StepStats.KEYS.REWARD));
            }
            double first = curve.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = curve.subList(35, 40).stream().mapToDouble(d -> d).average().orElseThrow();
            // uniform start: P(contains 3) = 1 - 0.8^2 = 0.36
            assertTrue(first < 0.6, "mu=" + mu + " start " + first);
            assertTrue(last > 0.9, "mu=" + mu + " learning is broken: reward " + first + " -> " + last + " " + curve);
        }
    }

    @Test
    void reportsEveryMetricAndTheScheduledBeta() {
        TabularPolicy policy = new TabularPolicy(5, 2);
        GrpoAlgorithm algorithm = new GrpoAlgorithm(new RewardAggregator());
        KlSchedule schedule = (step, total) -> 0.01 * (step + 1);
        StepStats stats = algorithm.step(policy, prompts(2), List.of(WeightedReward.of(SAYS_THREE)), schedule, 3, 10,
                settings(1, 1)).stats();
        assertEquals(0.04, stats.get(StepStats.KEYS.BETA), 1e-15);
        for (String key : List.of(StepStats.KEYS.REWARD, StepStats.KEYS.REWARD_STD, StepStats.KEYS.KL,
                StepStats.KEYS.CLIP_LOW, StepStats.KEYS.CLIP_HIGH, StepStats.KEYS.COMPLETION_LENGTH,
                StepStats.KEYS.LOSS, StepStats.KEYS.GRAD_NORM, StepStats.KEYS.ZERO_STD_FRACTION,
                StepStats.KEYS.REWARD_FAULTS, "reward/says-three/mean", "reward/says-three/std")) {
            assertTrue(Double.isFinite(stats.get(key)), key + " missing: " + stats.values());
        }
        assertEquals(2.0, stats.get(StepStats.KEYS.COMPLETION_LENGTH), 0.0);
        // mu = 1: rho = 1 everywhere, so nothing can be clipped
        assertEquals(0.0, stats.get(StepStats.KEYS.CLIP_LOW), 0.0);
        assertEquals(0.0, stats.get(StepStats.KEYS.CLIP_HIGH), 0.0);
    }

    @Test
    void groupsWithEqualRewardsAreCountedAndDoNotMove() {
        RewardFunction always = new RewardFunction() {
            @Override
            public String name() {
                return "always";
            }

            @Override
            public List<RewardScore> score(Sample sample, List<String> completions) {
                return completions.stream().map(c -> RewardScore.of(1)).toList();
            }
        };
        TabularPolicy policy = new TabularPolicy(5, 2);
        double before = policy.probability(0, 3);
        StepStats stats = new GrpoAlgorithm(new RewardAggregator()).step(policy, prompts(3),
                List.of(WeightedReward.of(always)), constant(0), 0, 10, settings(1, 2)).stats();
        assertEquals(1.0, stats.get(StepStats.KEYS.ZERO_STD_FRACTION), 0.0);
        assertEquals(0.0, stats.get(StepStats.KEYS.GRAD_NORM), 0.0);
        assertEquals(before, policy.probability(0, 3), 0.0);
    }

    @Test
    void sameSeedSameStepGivesSameNumbers() {
        List<WeightedReward> rewards = List.of(WeightedReward.of(SAYS_THREE));
        StepStats a = new GrpoAlgorithm(new RewardAggregator()).step(new TabularPolicy(5, 2), prompts(2), rewards,
                constant(0.04), 7, 10, settings(1, 9)).stats();
        StepStats b = new GrpoAlgorithm(new RewardAggregator()).step(new TabularPolicy(5, 2), prompts(2), rewards,
                constant(0.04), 7, 10, settings(1, 9)).stats();
        assertEquals(a.values(), b.values());
    }
}
