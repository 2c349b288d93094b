package io.mr1.trainer.grpo;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.LossStatistics;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import io.mr1.objective.Advantages;
import io.mr1.trainer.loop.StepAlgorithm;
import io.mr1.trainer.loop.StepOutcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One GRPO-D step: sample G completions per prompt from the current policy (pi_old),
 * score them, form group-relative advantages, and take mu optimisation passes of the
 * clipped objective with the KL weight beta(s) from the run's schedule against the frozen
 * reference. Returns the step's metrics. One instance per run: the KL schedule's state (the
 * adaptive controller's beta) is the algorithm's checkpointed state.
 */
public final class GrpoAlgorithm implements StepAlgorithm {

    /** metrics.jsonl key: reward name to the {@code bundle@version} that scored the step. */
    public static final String REWARD_BUNDLES = "reward_bundles";

    private final RewardAggregator rewards;
    private final RewardSource runRewards;
    private final KlSchedule schedule;
    private final GrpoSettings settings;

    /**
     * Creates the algorithm for one run.
     *
     * @param rewards the reward aggregator
     * @param runRewards rewards and weights
     * @param schedule the run's KL schedule (fresh)
     * @param settings the run's settings
     */
    public GrpoAlgorithm(RewardAggregator rewards, List<WeightedReward> runRewards, KlSchedule schedule,
                         GrpoSettings settings) {
        this(rewards, RewardSource.fixed(runRewards), schedule, settings);
    }

    /**
     * Creates the algorithm for one run whose rewards are looked up at each step.
     *
     * @param rewards the reward aggregator
     * @param runRewards the rewards and weights of each step
     * @param schedule the run's KL schedule (fresh)
     * @param settings the run's settings
     */
    public GrpoAlgorithm(RewardAggregator rewards, RewardSource runRewards, KlSchedule schedule,
                         GrpoSettings settings) {
        this.rewards = rewards;
        this.runRewards = runRewards;
        this.schedule = schedule;
        this.settings = settings;
    }

    @Override
    public Map<String, Double> state() {
        return schedule.state();
    }

    @Override
    public void restore(Map<String, Double> state) {
        schedule.restore(state);
    }

    /**
     * Runs one step.
     *
     * @param policy the policy being trained (its reference is the frozen initial weights)
     * @param batch the step's samples
     * @param step s, 0-based
     * @param totalSteps t
     * @return metrics and outputs
     */
    @Override
    public StepOutcome step(Policy policy, List<Sample> batch, long step, long totalSteps) {
        double beta = schedule.beta(step, totalSteps);
        List<WeightedReward> stepRewards = runRewards.at(step);
        SamplingParams base = settings.sampling();
        // A distinct, reproducible stream per step, so a resumed run samples what the original did.
        SamplingParams sampling = new SamplingParams(base.groupSize(), base.temperature(), base.topP(), base.topK(),
                base.maxNewTokens(), base.seed() * 1_000_003L + step);
        List<Prompt> prompts = batch.stream().map(Sample::prompt).toList();
        List<List<Completion>> groups = policy.sample(prompts, sampling);

        List<Prompt> flatPrompts = new ArrayList<>();
        List<Completion> flat = new ArrayList<>();
        List<List<RewardBreakdown>> breakdowns = new ArrayList<>();
        double[] advantages = new double[batch.size() * base.groupSize()];
        int zeroStdGroups = 0;
        int k = 0;
        for (int i = 0; i < batch.size(); i++) {
            List<Completion> group = groups.get(i);
            List<RewardBreakdown> scored = rewards.score(batch.get(i), group, stepRewards);
            breakdowns.add(scored);
            double[] totals = scored.stream().mapToDouble(RewardBreakdown::total).toArray();
            if (Advantages.allEqual(totals)) {
                zeroStdGroups++;
            }
            double[] groupAdvantages = Advantages.group(totals, settings.scaleRewards(), settings.advantageEps());
            for (int j = 0; j < group.size(); j++) {
                flatPrompts.add(prompts.get(i));
                flat.add(group.get(j));
                advantages[k++] = groupAdvantages[j];
            }
        }
        if (k != advantages.length) {
            throw new IllegalStateException("backend returned " + k + " completions, expected " + advantages.length);
        }

        List<float[]> reference = beta > 0 ? policy.referenceLogProbs(flatPrompts, flat) : List.of();
        // One pass: pi_old is the current policy itself (ratio 1, as in R1-V). Several passes:
        // freeze pi_old's log-probs before the first update.
        List<float[]> old = settings.mu() > 1 ? policy.logProbs(flatPrompts, flat) : List.of();
        PolicyLoss.Grpo loss = new PolicyLoss.Grpo(beta, settings.epsLow(), settings.epsHigh(), settings.estimator(),
                settings.aggregation(), base.maxNewTokens());
        TrainingBatch trainingBatch = new TrainingBatch(flatPrompts, flat, advantages, old, reference,
                settings.microBatchSize());
        double lossSum = 0;
        double gradNormSum = 0;
        List<LossStatistics> passes = new ArrayList<>();
        // Every pass of this run step uses the step's learning rate (the schedule counts run steps).
        OptimizerSettings optimizer = settings.learningRate().settingsAt(step);
        for (int pass = 0; pass < settings.mu(); pass++) {
            StepResult result = policy.step(trainingBatch, loss, optimizer, step * settings.mu() + pass);
            lossSum += result.loss();
            gradNormSum += result.gradNorm();
            if (!result.statistics().hasPolicyTerms()) {
                throw new IllegalStateException("the backend's GRPO step reported no KL or clip statistics");
            }
            passes.add(result.statistics());
        }
        LossStatistics stats = LossStatistics.combine(passes);
        double kl = stats.kl();
        schedule.observe(step, totalSteps, kl);

        Map<String, Double> values = new LinkedHashMap<>();
        RewardStats.rewardStats(breakdowns, stepRewards, values);
        values.put(StepStats.KEYS.KL, kl);
        values.put(StepStats.KEYS.BETA, beta);
        values.put(StepStats.KEYS.CLIP_LOW, stats.clipRatioLow());
        values.put(StepStats.KEYS.CLIP_HIGH, stats.clipRatioHigh());
        values.put(StepStats.KEYS.COMPLETION_LENGTH, flat.stream().mapToInt(Completion::length).average().orElse(0));
        values.put(StepStats.KEYS.LOSS, lossSum / settings.mu());
        values.put(StepStats.KEYS.GRAD_NORM, gradNormSum / settings.mu());
        values.put(StepStats.KEYS.ZERO_STD_FRACTION, batch.isEmpty() ? 0 : (double) zeroStdGroups / batch.size());
        values.put(StepStats.KEYS.LEARNING_RATE, optimizer.learningRate());
        return new StepOutcome(new StepStats(step, values), groups, breakdowns,
                runRewards.bundles().isEmpty() ? Map.of() : Map.of(REWARD_BUNDLES, runRewards.bundles()));
    }
}
