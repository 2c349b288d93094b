package io.mr1.trainer.grpo;

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
import io.mr1.trainer.loop.LearningRateSchedule;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TabularPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GRPO-D steps on a tabular policy; its helpers serve the loop's tests too. */
public class GrpoAlgorithmTest {

    /** Reward 1 when the completion contains token 3. */
    public static final RewardFunction SAYS_THREE = new RewardFunction() {
        @Override
        public String name() {
            return "says-three";
        }

        @Override
        public List<RewardScore> score(Sample sample, List<String> completions) {
            return completions.stream().map(c -> RewardScore.of(c.contains("3") ? 1 : 0)).toList();
        }
    };

    public static KlSchedule constant(double beta) {
        return (step, total) -> beta;
    }

    public static GrpoSettings settings(int mu, long seed) {
        return settings(mu, seed, new LearningRateSchedule(
                new OptimizerSettings(0.5, 0, 0.9, 0.999, 1e-8, 0, 0, 40, OptimizerSettings.Decay.CONSTANT), 0, 40,
                OptimizerSettings.Decay.CONSTANT));
    }

    static GrpoSettings settings(int mu, long seed, LearningRateSchedule learningRate) {
        return new GrpoSettings(new SamplingParams(8, 1.0, 1.0, 0, 2, seed), mu, 0.2, 0.2, KlEstimator.K3,
                Aggregation.SEQUENCE_MEAN, true, 1e-4, learningRate, 0);
    }

    /** One step of a fresh algorithm over the given schedule. */
    static StepOutcome run(TabularPolicy policy, List<Sample> batch, List<WeightedReward> rewards, KlSchedule schedule,
                           long step, long total, GrpoSettings settings) {
        return new GrpoAlgorithm(new RewardAggregator(), rewards, schedule, settings).step(policy, batch, step, total);
    }

    @Test
    void withTwoPassesPerStepWarmUpAndDecayFollowTheScheduleInRunSteps() {
        // 8 run steps, 4 of linear warm-up to 0.4, then linear decay; mu = 2 updates per step.
        LearningRateSchedule schedule = new LearningRateSchedule(
                new OptimizerSettings(0.4, 0, 0.9, 0.999, 1e-8, 0, 0, 8, OptimizerSettings.Decay.LINEAR), 4, 8,
                OptimizerSettings.Decay.LINEAR);
        double[] expected = {0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1}; // the schedule, per run step
        TabularPolicy policy = new TabularPolicy(5, 2);
        GrpoAlgorithm algorithm = new GrpoAlgorithm(new RewardAggregator(), List.of(WeightedReward.of(SAYS_THREE)),
                constant(0.0), settings(2, 3, schedule));
        List<Double> logged = new ArrayList<>();
        for (int step = 0; step < 8; step++) {
            logged.add(algorithm.step(policy, prompts(2), step, 8).stats().get(StepStats.KEYS.LEARNING_RATE));
        }
        assertEquals(16, policy.learningRates().size(), "mu = 2: two updates per step");
        for (int step = 0; step < 8; step++) {
            assertEquals(expected[step], schedule.rateAt(step), 1e-12, "schedule at step " + step);
            assertEquals(expected[step], logged.get(step), 1e-12, "logged rate at step " + step);
            for (int pass = 0; pass < 2; pass++) {
                assertEquals(expected[step], policy.learningRates().get(2 * step + pass), 1e-12,
                        "update " + pass + " of step " + step + ": " + policy.learningRates());
            }
        }
    }

    public static List<Sample> prompts(int n) {
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
            List<WeightedReward> rewards = List.of(new WeightedReward(SAYS_THREE, "says-three", 1.0));
            List<Double> curve = new ArrayList<>();
            for (int step = 0; step < 40; step++) {
                curve.add(run(policy, prompts(4), rewards, constant(0.04), step, 40, settings(mu, 5))
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
        KlSchedule schedule = (step, total) -> 0.01 * (step + 1);
        StepStats stats = run(policy, prompts(2), List.of(WeightedReward.of(SAYS_THREE)), schedule, 3, 10,
                settings(1, 1)).stats();
        assertEquals(0.04, stats.get(StepStats.KEYS.BETA), 1e-15);
        for (String key : List.of(StepStats.KEYS.REWARD, StepStats.KEYS.REWARD_STD, StepStats.KEYS.KL,
                StepStats.KEYS.CLIP_LOW, StepStats.KEYS.CLIP_HIGH, StepStats.KEYS.COMPLETION_LENGTH,
                StepStats.KEYS.LOSS, StepStats.KEYS.GRAD_NORM, StepStats.KEYS.ZERO_STD_FRACTION,
                StepStats.KEYS.REWARD_FAULTS, "rewards/says-three/mean", "rewards/says-three/std",
                StepStats.KEYS.LEARNING_RATE)) {
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
        StepStats stats = run(policy, prompts(3),
                List.of(WeightedReward.of(always)), constant(0), 0, 10, settings(1, 2)).stats();
        assertEquals(1.0, stats.get(StepStats.KEYS.ZERO_STD_FRACTION), 0.0);
        assertEquals(0.0, stats.get(StepStats.KEYS.GRAD_NORM), 0.0);
        assertEquals(before, policy.probability(0, 3), 0.0);
    }

    @Test
    void sameSeedSameStepGivesSameNumbers() {
        List<WeightedReward> rewards = List.of(WeightedReward.of(SAYS_THREE));
        StepStats a = run(new TabularPolicy(5, 2), prompts(2), rewards,
                constant(0.04), 7, 10, settings(1, 9)).stats();
        StepStats b = run(new TabularPolicy(5, 2), prompts(2), rewards,
                constant(0.04), 7, 10, settings(1, 9)).stats();
        assertEquals(a.values(), b.values());
    }
}
