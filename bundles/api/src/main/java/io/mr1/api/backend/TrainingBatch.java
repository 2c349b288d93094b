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
 * @param microBatchSize completions per forward/backward pass; the gradient of the micro-batches
 *     is accumulated and the optimiser steps once, so the update equals the one of a single pass
 *     over the whole batch (TRL's per-device batch size times gradient accumulation steps).
 *     0 means the whole batch in one pass.
 */
public record TrainingBatch(List<Prompt> prompts, List<Completion> completions, double[] advantages,
                            List<float[]> oldLogProbs, List<float[]> referenceLogProbs, int microBatchSize) {

    /**
     * A batch trained in one pass.
     *
     * @param prompts prompt of each completion
     * @param completions the completions
     * @param advantages one per completion
     * @param oldLogProbs log-probs under pi_old, or empty
     * @param referenceLogProbs log-probs under the reference, or empty
     */
    public TrainingBatch(List<Prompt> prompts, List<Completion> completions, double[] advantages,
                         List<float[]> oldLogProbs, List<float[]> referenceLogProbs) {
        this(prompts, completions, advantages, oldLogProbs, referenceLogProbs, 0);
    }

    /** Validates that the lists line up. */
    public TrainingBatch {
        if (microBatchSize < 0) {
            throw new IllegalArgumentException("microBatchSize must be >= 0 (0: whole batch), was " + microBatchSize);
        }
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

    /**
     * The same batch trained in micro-batches.
     *
     * @param size completions per forward/backward pass (0: whole batch)
     * @return the batch with that micro-batch size
     */
    public TrainingBatch withMicroBatchSize(int size) {
        return new TrainingBatch(prompts, completions, advantages, oldLogProbs, referenceLogProbs, size);
    }

    /**
     * Rows [from, to) of this batch, as a batch of its own (one micro-batch).
     *
     * @param from first row, inclusive
     * @param to last row, exclusive
     * @return the rows, trained in one pass
     */
    public TrainingBatch rows(int from, int to) {
        return new TrainingBatch(prompts.subList(from, to), completions.subList(from, to),
                java.util.Arrays.copyOfRange(advantages, from, to),
                oldLogProbs.isEmpty() ? List.of() : oldLogProbs.subList(from, to),
                referenceLogProbs.isEmpty() ? List.of() : referenceLogProbs.subList(from, to), 0);
    }
}
