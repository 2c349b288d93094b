package io.mr1.tasks.support;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A draw among named choices with whole-number weights, such as a task's question kinds
 * or problem families. One draw consumes exactly one {@code nextInt(total)} of the item's
 * generator and walks the choices in their canonical order, so the same weights given in
 * another order draw the same, and a generator that always did {@code nextInt(100)} against
 * fixed thresholds draws the same with those thresholds as weights.
 *
 * @param weights every valid choice, in canonical order, with its weight (0: never drawn)
 */
public record WeightedChoice(Map<String, Integer> weights) {

    /** Largest weight of one choice; keeps any total far from int overflow. */
    public static final int MAX_WEIGHT = 1_000_000;

    /**
     * Copies and checks the weights.
     *
     * @throws IllegalArgumentException when a weight is negative or too large, or all are 0
     */
    public WeightedChoice {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        int total = 0;
        for (Map.Entry<String, Integer> e : weights.entrySet()) {
            int w = e.getValue();
            if (w < 0 || w > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight of " + e.getKey() + " must be 0 to " + MAX_WEIGHT
                        + ", got " + w);
            }
            total += w;
        }
        if (total == 0) {
            throw new IllegalArgumentException("needs at least one choice with a weight above 0; valid: "
                    + String.join(", ", weights.keySet()));
        }
    }

    /**
     * Every choice with weight 1 (an equal mix).
     *
     * @param choices the valid choices, in canonical order
     * @return the equal mix
     */
    public static WeightedChoice equal(List<String> choices) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        choices.forEach(c -> weights.put(c, 1));
        return new WeightedChoice(weights);
    }

    /** @return the valid choices, in canonical order */
    public List<String> choices() {
        return List.copyOf(weights.keySet());
    }

    /** @return the sum of the weights */
    public int total() {
        return weights.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Draws one choice: choice k comes with probability weight(k) / total.
     *
     * @param random the item's generator; one {@code nextInt(total)} is consumed
     * @return the choice drawn
     */
    public String draw(SplittableRandom random) {
        int roll = random.nextInt(total());
        for (Map.Entry<String, Integer> e : weights.entrySet()) {
            roll -= e.getValue();
            if (roll < 0) {
                return e.getKey();
            }
        }
        throw new AssertionError("roll beyond the total");
    }
}
