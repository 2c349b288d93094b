package io.mr1.trainer.sft;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.StepStats;
import io.mr1.trainer.loop.LearningRateSchedule;
import io.mr1.trainer.loop.StepAlgorithm;
import io.mr1.trainer.loop.StepOutcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning: one cross-entropy update per step on each item's target, the
 * template with {@code {answer}} (the ground truth) and {@code {thinking}} (the item's
 * reference reasoning) filled in.
 */
public final class SftAlgorithm implements StepAlgorithm {

    private final String template;
    private final LearningRateSchedule learningRate;
    private final int microBatchSize;

    /**
     * Creates the algorithm for one run.
     *
     * @param template the target template (contains {answer}, optionally {thinking})
     * @param learningRate the learning-rate schedule over run steps
     * @param microBatchSize targets per forward/backward pass, gradients accumulated (0: the whole batch)
     */
    public SftAlgorithm(String template, LearningRateSchedule learningRate, int microBatchSize) {
        this.template = template;
        this.learningRate = learningRate;
        this.microBatchSize = microBatchSize;
    }

    /**
     * The SFT target of one item.
     *
     * @param template the target template
     * @param s the item
     * @return the template with its answer and reference reasoning filled in
     */
    public static String target(String template, Sample s) {
        return template.replace("{thinking}", s.thinking()).replace("{answer}", s.solution());
    }

    @Override
    public StepOutcome step(Policy policy, List<Sample> batch, long step, long totalSteps) {
        List<Prompt> prompts = batch.stream().map(Sample::prompt).toList();
        List<Completion> targets = batch.stream().map(s -> policy.encodeTarget(s.id(), target(template, s))).toList();
        OptimizerSettings optimizer = learningRate.settingsAt(step);
        StepResult r = policy.step(new TrainingBatch(prompts, targets, new double[batch.size()], List.of(), List.of(),
                microBatchSize), new PolicyLoss.Sft(), optimizer, step);
        Map<String, Double> values = new LinkedHashMap<>();
        values.put(StepStats.KEYS.LOSS, r.loss());
        values.put(StepStats.KEYS.GRAD_NORM, r.gradNorm());
        values.put(StepStats.KEYS.COMPLETION_LENGTH, targets.stream().mapToInt(Completion::length).average().orElse(0));
        values.put(StepStats.KEYS.LEARNING_RATE, optimizer.learningRate());
        return new StepOutcome(new StepStats(step, values), List.of(), List.of());
    }
}
