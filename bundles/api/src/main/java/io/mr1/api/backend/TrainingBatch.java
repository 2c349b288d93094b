package io.mr1.api.backend;

import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.util.List;

/**
 * What one optimisation step trains on: completions with the prompt each answers, one
 * advantage per completion (the same for all its tokens, paper Eq. 2), the log-probs of
 * its tokens under the policy that sampled it (pi_old) and under the frozen reference.
 *
 * @param prompts prompt of each completion, same order
 * @param completions the completions (for SFT: the target answers, token ids filled in)
 * @param advantages one per completion (ignored by SFT)
 * @param oldLogProbs per-token log-probs under pi_old, one array per completion; an empty list
 *     means pi_old is the current policy itself (one optimisation pass per sampled batch, as in
 *     R1-V): the backend then uses its own log-probs, detached, so the ratio is exactly 1 in
 *     value and carries the policy gradient
 * @param referenceLogProbs per-token log-probs under the frozen reference, one array per
 *     completion; an empty list when beta is 0 or for SFT
 */
public record TrainingBatch(List<Prompt> prompts, List<Completion> completions, double[] advantages,
                            List<float[]> oldLogProbs, List<float[]> referenceLogProbs) {
    /** Validates that the lists line up. */
    public TrainingBatch {
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        oldLogProbs = List.copyOf(oldLogProbs);
        referenceLogProbs = List.copyOf(referenceLogProbs);
        int n = completions.size();
        if (prompts.size() != n || advantages.length != n) {
            throw new IllegalArgumentException("prompts, completions and advantages must have one entry per completion");
        }
        if (!oldLogProbs.isEmpty() && oldLogProbs.size() != n
                || !referenceLogProbs.isEmpty() && referenceLogProbs.size() != n) {
            throw new IllegalArgumentException("old and reference log-probs must be empty or one array per completion");
        }
    }
}
