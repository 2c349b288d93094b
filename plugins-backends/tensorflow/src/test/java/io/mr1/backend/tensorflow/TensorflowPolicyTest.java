package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What scoring and training on the TensorFlow engine must agree on. */
class TensorflowPolicyTest {

    /**
     * With zero advantages and old and reference log-probs scored from the same weights, the
     * GRPO loss and its gradient are exactly zero only if scoring computes the same bits as the
     * training graph; otherwise AdamW would turn rounding noise into a full step (it did while
     * scoring ran eagerly: TF's graphs run oneDNN kernels that its eager ops do not).
     */
    @Test
    void aStepAtTheReferenceWithZeroAdvantagesHasAZeroGradient(@TempDir Path tmp) throws Exception {
        Path model = CrossBackendTest.tinyModel(tmp.resolve("m"), 7);
        List<Prompt> prompts = List.of(new Prompt("p", "how many items are there ?", List.of()));
        try (Policy policy = new TensorflowBackend().load(model, "cpu")) {
            List<Completion> completions = policy.sample(prompts, new SamplingParams(4, 1.0, 1.0, 0, 6, 3)).get(0);
            List<Prompt> rows = List.of(prompts.get(0), prompts.get(0), prompts.get(0), prompts.get(0));
            List<float[]> old = policy.logProbs(rows, completions);
            List<float[]> ref = policy.referenceLogProbs(rows, completions);
            StepResult result = policy.step(new TrainingBatch(rows, completions, new double[4], old, ref),
                    new PolicyLoss.Grpo(0.05, 0.2, 0.28, PolicyLoss.KlEstimator.K3, PolicyLoss.Aggregation.TOKEN_MEAN, 6),
                    new OptimizerSettings(1e-3, 0, 0.9, 0.999, 1e-8, 1.0, 0, 10, OptimizerSettings.Decay.CONSTANT), 0);
            assertEquals(0.0, result.gradNorm(), "gradient norm");
            assertEquals(0.0, result.loss(), "loss");
            assertEquals(0.0, result.statistics().kl(), "kl");
        }
    }
}
