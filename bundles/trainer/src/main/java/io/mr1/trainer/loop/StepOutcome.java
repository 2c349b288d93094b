package io.mr1.trainer.loop;

import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import java.util.List;

/**
 * What one step produced: metrics and, for samples.jsonl, the completions and their rewards
 * (empty for algorithms that sample nothing).
 *
 * @param stats the step's metrics
 * @param completions completions per sample
 * @param breakdowns rewards per sample and completion
 */
public record StepOutcome(StepStats stats, List<List<Completion>> completions,
                          List<List<RewardBreakdown>> breakdowns) {
}
