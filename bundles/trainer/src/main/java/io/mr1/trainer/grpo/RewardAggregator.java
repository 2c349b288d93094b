package io.mr1.trainer.grpo;

import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scores completions with every configured reward and forms R = sum_k w_k R_k. A reward
 * plugin that throws anything ({@link PluginCall}: exceptions, checked ones included, and
 * errors such as a StackOverflowError or a NoClassDefFoundError), returns the wrong number of
 * scores, or returns NaN or infinity must not stop training: the batch is re-scored one
 * completion at a time to isolate the faulty ones, each fault scores 0 for that reward, is
 * counted, and is logged with the completion's id and the plugin's name. Each call has a time
 * limit: a call that runs past it scores 0 for its completions, counted as faults, and a
 * reward that times out {@value PluginCall#DISABLE_AFTER} calls in a row is disabled for the rest
 * of the run ({@link PluginCall}'s rule; said on the console; its completions then score 0 and
 * count as faults). One aggregator serves one run.
 */
public final class RewardAggregator {

    /** The default time limit of one reward call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(RewardAggregator.class.getName());
    private static final RewardScore ZERO = RewardScore.of(0);

    private final PluginCall calls;

    /** With the default time limit; notices go to the log. */
    @jakarta.inject.Inject
    public RewardAggregator() {
        this(DEFAULT_TIMEOUT, LOG::warning);
    }

    /**
     * @param timeout the time limit of one reward call
     * @param notice told when a reward is disabled (the console)
     */
    public RewardAggregator(Duration timeout, Consumer<String> notice) {
        this(timeout, notice, () -> false);
    }

    /**
     * @param timeout the time limit of one reward call
     * @param notice told when a reward is disabled (the console)
     * @param stop whether a stop was requested: a reward call still running then is abandoned and the step
     *     with it ({@link io.mr1.trainer.loop.StepAbandoned}), so Ctrl-C or SIGTERM never waits for a slow reward
     */
    public RewardAggregator(Duration timeout, Consumer<String> notice, BooleanSupplier stop) {
        this.calls = new PluginCall("reward", timeout, stop, notice,
                "it scores 0 and every completion counts a fault for it (the limit is grpo.reward_timeout)");
    }

    /**
     * @return the rewards disabled for this run after timing out again and again
     */
    public Set<String> disabled() {
        return calls.disabled();
    }

    /**
     * Scores one sample's completions.
     *
     * @param sample the sample with its ground truth
     * @param completions its completions
     * @param rewards the run's rewards and weights
     * @return one breakdown per completion, same order; faults are inside each breakdown
     */
    public List<RewardBreakdown> score(Sample sample, List<Completion> completions, List<WeightedReward> rewards) {
        int n = completions.size();
        List<Map<String, Double>> scores = new ArrayList<>(n);
        List<Set<String>> faults = new ArrayList<>(n);
        List<Map<String, Map<String, String>>> diagnostics = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            scores.add(new LinkedHashMap<>());
            faults.add(new HashSet<>());
            diagnostics.add(new LinkedHashMap<>());
        }
        List<String> texts = completions.stream().map(Completion::text).toList();
        Map<String, Double> weights = new LinkedHashMap<>();
        for (WeightedReward reward : rewards) {
            weights.put(reward.name(), reward.weight());
            RewardScore[] values = scoreAll(reward, sample, completions, texts, faults);
            for (int i = 0; i < n; i++) {
                scores.get(i).put(reward.name(), values[i].value());
                if (!values[i].diagnostics().isEmpty()) {
                    diagnostics.get(i).put(reward.name(), values[i].diagnostics());
                }
            }
        }
        List<RewardBreakdown> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new RewardBreakdown(completions.get(i).id(), scores.get(i), weights, faults.get(i),
                    diagnostics.get(i)));
        }
        return out;
    }

    /** One reward over all completions, falling back to one call per completion on a fault. */
    private RewardScore[] scoreAll(WeightedReward reward, Sample sample, List<Completion> completions,
                                   List<String> texts, List<Set<String>> faults) {
        int n = texts.size();
        RewardScore[] values = new RewardScore[n];
        java.util.Arrays.fill(values, ZERO);
        if (calls.isDisabled(reward.name())) {
            for (int i = 0; i < n; i++) {
                faults.get(i).add(reward.name());
            }
            return values;
        }
        List<RewardScore> batch = null;
        try {
            batch = call(reward, sample, texts);
        } catch (PluginCall.TimedOut e) {
            for (int i = 0; i < n; i++) {
                fault(reward, completions.get(i), faults.get(i), e.getMessage());
            }
            return values; // no one-by-one retry: that would wait n times as long
        } catch (PluginCall.Failed e) {
            LOG.log(Level.FINE, "reward '" + reward.name() + "' failed on a batch; isolating", e.getCause());
        }
        if (batch != null && batch.size() == n) {
            for (int i = 0; i < n; i++) {
                values[i] = checked(reward, completions.get(i), batch.get(i), faults.get(i));
            }
            return values;
        }
        if (batch != null) {
            LOG.warning("reward '" + reward.name() + "' returned " + batch.size() + " scores for " + n
                    + " completions of sample " + sample.id() + "; scoring them one by one");
        }
        for (int i = 0; i < n; i++) {
            if (calls.isDisabled(reward.name())) {
                faults.get(i).add(reward.name());
                continue;
            }
            try {
                List<RewardScore> one = call(reward, sample, List.of(texts.get(i)));
                if (one == null || one.size() != 1) {
                    fault(reward, completions.get(i), faults.get(i),
                            "returned " + (one == null ? "null" : one.size() + " scores") + " for one completion");
                } else {
                    values[i] = checked(reward, completions.get(i), one.get(0), faults.get(i));
                }
            } catch (PluginCall.TimedOut | PluginCall.Failed e) {
                fault(reward, completions.get(i), faults.get(i), e.getMessage());
            }
        }
        return values;
    }

    /** One call with the time limit (and the guard's rule for rewards that keep timing out). */
    private List<RewardScore> call(WeightedReward reward, Sample sample, List<String> texts)
            throws PluginCall.TimedOut, PluginCall.Failed {
        return calls.call(reward.name(), () -> reward.function().score(sample, texts));
    }

    private static RewardScore checked(WeightedReward reward, Completion completion, RewardScore score,
                                       Set<String> faults) {
        if (score == null) {
            fault(reward, completion, faults, "returned a null score");
            return ZERO;
        }
        double v = score.value();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            fault(reward, completion, faults, "returned " + v);
            return ZERO;
        }
        return score;
    }

    private static void fault(WeightedReward reward, Completion completion, Set<String> faults, String what) {
        faults.add(reward.name());
        LOG.warning("reward '" + reward.name() + "' " + what + " on completion " + completion.id()
                + "; scored 0 and counted as a fault");
    }
}
