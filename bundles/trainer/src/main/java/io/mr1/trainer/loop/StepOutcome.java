package io.mr1.trainer.loop;

import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import java.util.List;
import java.util.Map;

/**
 * What one step produced: metrics and, for samples.jsonl, the completions and their rewards
 * (empty for algorithms that sample nothing).
 *
 * @param stats the step's metrics
 * @param completions completions per sample
 * @param breakdowns rewards per sample and completion
 * @param records metrics that are not numbers, written beside the stats (e.g. which reward bundles scored the step)
 */
public record StepOutcome(StepStats stats, List<List<Completion>> completions,
                          List<List<RewardBreakdown>> breakdowns, Map<String, Object> records) {

    /**
     * @param stats the step's metrics
     * @param completions completions per sample
     * @param breakdowns rewards per sample and completion
     */
    public StepOutcome(StepStats stats, List<List<Completion>> completions, List<List<RewardBreakdown>> breakdowns) {
        this(stats, completions, breakdowns, Map.of());
    }
}
