package io.mr1.api.task;

/**
 * How one model output fares in evaluation.
 *
 * @param strictCorrect the answer inside the {@code <answer>} tags equals the ground truth
 * @param lenientCorrect the last number anywhere in the output equals the ground truth
 * @param formatOk the output is in the think/answer format
 * @param extractedAnswer what was read as the answer, or null
 */
public record Judgement(boolean strictCorrect, boolean lenientCorrect, boolean formatOk, String extractedAnswer) {
}
