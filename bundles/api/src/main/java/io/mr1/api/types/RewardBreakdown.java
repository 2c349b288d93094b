package io.mr1.api.types;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The rewards of one completion: each reward function's raw score and weight, and the
 * weighted total R = sum_k w_k R_k (paper Eq. 1 with R_acc + alpha R_format).
 *
 * @param completionId the completion's {@link Completion#id()}
 * @param scores raw score per reward name, in configuration order
 * @param weights weight per reward name
 * @param faults reward names whose plugin failed on this completion (scored 0)
 * @param diagnostics per reward name, the diagnostics its score carried (may be empty)
 */
public record RewardBreakdown(String completionId, Map<String, Double> scores, Map<String, Double> weights,
                              java.util.Set<String> faults, Map<String, Map<String, String>> diagnostics) {
    /** Copies the maps, keeping their order. */
    public RewardBreakdown {
        Objects.requireNonNull(completionId, "completionId");
        scores = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        faults = java.util.Set.copyOf(faults);
        diagnostics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
    }

    /** @return the weighted total sum_k w_k R_k */
    public double total() {
        double sum = 0;
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            sum += weights.getOrDefault(e.getKey(), 1.0) * e.getValue();
        }
        return sum;
    }
}
