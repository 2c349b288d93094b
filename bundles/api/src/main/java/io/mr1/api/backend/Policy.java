package io.mr1.api.backend;

import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy loaded by a {@link PolicyBackend}: the trainable weights (pi_theta), the
 * frozen copy taken at load time (pi_ref), the tokenizer and the optimiser state.
 * Not thread-safe; one trainer drives it.
 */
@ConsumerType
public interface Policy extends AutoCloseable {

    /**
     * Samples {@code params.groupSize()} completions for each prompt from the current
     * policy, reproducibly for a given seed.
     *
     * @param prompts the prompts
     * @param params sampling settings
     * @return for each prompt, its G completions with token ids and log-probs
     */
    List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params);

    /**
     * Per-token log-probs of given completions under the current policy.
     *
     * @param prompts prompt of each completion
     * @param completions the completions (token ids are what is scored)
     * @return one array per completion, one entry per token
     */
    List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions);

    /**
     * Per-token log-probs of given completions under the frozen reference policy.
     *
     * @param prompts prompt of each completion
     * @param completions the completions
     * @return one array per completion, one entry per token
     */
    List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions);

    /**
     * Tokenises a target answer for supervised training.
     *
     * @param promptId the prompt it answers
     * @param text the answer text
     * @return a completion with token ids (log-probs zero)
     */
    Completion encodeTarget(String promptId, String text);

    /**
     * One optimisation step: forward, the given loss, backward, gradient clipping, AdamW update.
     *
     * @param batch what to train on
     * @param loss which loss
     * @param optimizer optimiser settings
     * @param step the 0-based step number (for the learning-rate schedule and Adam's bias correction)
     * @return loss, gradient norm and loss statistics
     */
    StepResult step(TrainingBatch batch, PolicyLoss loss, OptimizerSettings optimizer, long step);

    /**
     * Writes the policy weights, config and tokenizer (and, with optimiser state, what a
     * resume needs) into a folder, atomically: into a sibling temporary folder, then renamed.
     *
     * @param dir the checkpoint folder to create
     * @param withOptimizerState also write the optimiser moments
     * @throws IOException if writing fails; the previous content of dir is then intact
     */
    void save(Path dir, boolean withOptimizerState) throws IOException;

    /** @return number of trainable parameters */
    long parameterCount();

    /**
     * The engine's own running counters, totals since the policy was loaded: for instance
     * TensorFlow's {@code graph_builds} and {@code graph_build_seconds}. The trainer writes each
     * step's change into the step's metrics as {@code engine/NAME}. The default has none.
     *
     * @return counters by name (snake case); empty when the engine keeps none
     * @since 2.1
     */
    default Map<String, Double> engineStatistics() {
        return Map.of();
    }

    /** Releases native memory. */
    @Override
    void close();
}
