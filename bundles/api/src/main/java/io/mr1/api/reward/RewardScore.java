package io.mr1.api.reward;

import java.util.Map;

/**
 * One completion's score from one reward function.
 *
 * @param value the score, finite
 * @param diagnostics optional details (e.g. the extracted answer), shown in samples.jsonl and by {@code mr1 rewards score}
 */
public record RewardScore(double value, Map<String, String> diagnostics) {
    /** Copies the diagnostics. */
    public RewardScore {
        diagnostics = Map.copyOf(diagnostics);
    }

    /**
     * A score without diagnostics.
     *
     * @param value the score
     * @return the score record
     */
    public static RewardScore of(double value) {
        return new RewardScore(value, Map.of());
    }
}
