package io.mr1.trainer.grpo;

import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import java.util.List;
import java.util.Map;

/** Reward statistics of a step: each reward's mean and std, the total, accuracy, format rate, faults. */
final class RewardStats {

    /** Reward names whose mean is also reported under a conventional key. */
    private static final Map<String, String> ALIASES = Map.of(
            "accuracy", StepStats.KEYS.ACCURACY,
            "format", StepStats.KEYS.FORMAT_RATE);

    private RewardStats() {
    }

    static void rewardStats(List<List<RewardBreakdown>> breakdowns, List<WeightedReward> rewards,
                            Map<String, Double> out) {
        List<RewardBreakdown> all = breakdowns.stream().flatMap(List::stream).toList();
        double[] totals = all.stream().mapToDouble(RewardBreakdown::total).toArray();
        out.put(StepStats.KEYS.REWARD, mean(totals));
        out.put(StepStats.KEYS.REWARD_STD, std(totals));
        for (WeightedReward reward : rewards) {
            double[] values = all.stream().mapToDouble(b -> b.scores().getOrDefault(reward.name(), 0.0)).toArray();
            out.put(StepStats.KEYS.rewardMean(reward.name()), mean(values));
            out.put(StepStats.KEYS.rewardStd(reward.name()), std(values));
            String alias = ALIASES.get(reward.name());
            if (alias != null) {
                out.put(alias, mean(values));
            }
        }
        out.put(StepStats.KEYS.REWARD_FAULTS, (double) all.stream().mapToInt(b -> b.faults().size()).sum());
    }

    static double mean(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.length;
    }

    /** Population standard deviation (as TRL logs reward_std per batch). */
    static double std(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double m = mean(values);
        double s = 0;
        for (double v : values) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / values.length);
    }
}
