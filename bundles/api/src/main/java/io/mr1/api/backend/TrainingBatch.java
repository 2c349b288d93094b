package io.mr1.api.backend;

import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.util.List;

/**
 * What one optimisation step trains on: completions with the prompt each answers, one
 * advantage per completion (the same for all its tokens, paper Eq. 2), and the log-probs
 * of its tokens under the reference policy (empty arrays when beta is 0 or for SFT).
 * The log-probs under pi_old are those inside each {@link Completion}.
 *
 * @param prompts prompt of each completion, same order
 * @param completions the completions (for SFT: the target answers, token ids filled in)
 * @param advantages one per completion (ignored by SFT)
 * @param referenceLogProbs per-token log-probs under the frozen reference, one array per completion
 */
public record TrainingBatch(List<Prompt> prompts, List<Completion> completions, double[] advantages,
                            List<float[]> referenceLogProbs) {
    /** Validates that the lists line up. */
    public TrainingBatch {
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        referenceLogProbs = List.copyOf(referenceLogProbs);
        if (prompts.size() != completions.size() || advantages.length != completions.size()) {
            throw new IllegalArgumentException("prompts, completions and advantages must have one entry per completion");
        }
    }
}
