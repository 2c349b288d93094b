package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.backend.conformance.BackendConformanceKit;
import io.mr1.backend.pytorch.TorchBackend;
import io.mr1.models.Checkpoints;
import io.mr1.models.ModelConfig;
import io.mr1.models.SafeTensors;
import io.mr1.models.WordLevelTokenizerJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch and TensorFlow in one JVM give the same numbers: the same checkpoint scores the
 * same completions (image prompts included) with the same per-token log-probs, and one
 * GRPO-D step from the same state and batch leaves the same weights and optimiser moments.
 */
class CrossBackendTest {

    private static final float LOGP_RELATIVE = 1e-4f;
    private static final float WEIGHT_ABSOLUTE = 1e-4f;

    /** A seeded random tiny Qwen2-VL checkpoint with a word-level vocabulary of counting words and digits. */
    static Path tinyModel(Path dir, long seed) throws Exception {
        List<String> words = new ArrayList<>(List.of("user", "assistant", "how", "many", "items", "are", "there",
                "in", "the", "image", "?", ".", "count", "objects", "answer", "is"));
        for (int i = 0; i <= 10; i++) {
            words.add(Integer.toString(i));
        }
        Map<String, Integer> vocab = WordLevelTokenizerJson.vocabulary(words);
        ModelConfig config = BackendConformanceKit.tinyConfig(vocab);
        Checkpoints.createRandom(dir, config, BackendConformanceKit.tinyImages(config), vocab, seed);
        return dir;
    }

    private record Batch(List<Prompt> rows, List<Completion> completions) {}

    /** Two image prompts, three completions each, sampled on PyTorch. */
    private static Batch sampled(Path model, Path tmp) throws Exception {
        List<Prompt> prompts = List.of(
                new Prompt("p", "how many items are there ?",
                        List.of(new ImageRef(BackendConformanceKit.dotsImage(tmp, "2.png", 2)))),
                new Prompt("q", "count the objects in the image",
                        List.of(new ImageRef(BackendConformanceKit.dotsImage(tmp, "3.png", 3)))));
        List<Prompt> rows = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        try (Policy torch = new TorchBackend().load(model, "cpu")) {
            List<List<Completion>> groups = torch.sample(prompts, new SamplingParams(3, 1.0, 1.0, 0, 6, 11));
            for (int p = 0; p < prompts.size(); p++) {
                for (Completion c : groups.get(p)) {
                    rows.add(prompts.get(p));
                    completions.add(c);
                }
            }
        }
        return new Batch(rows, completions);
    }

    @Test
    void theSameCheckpointGivesTheSameLogProbs(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 41);
        Batch batch = sampled(model, tmp);
        List<float[]> torch;
        List<float[]> tf;
        try (Policy p = new TorchBackend().load(model, "cpu")) {
            torch = p.logProbs(batch.rows(), batch.completions());
        }
        try (Policy p = new TensorflowBackend().load(model, "cpu")) {
            tf = p.logProbs(batch.rows(), batch.completions());
        }
        double worst = 0;
        int tokens = 0;
        for (int r = 0; r < torch.size(); r++) {
            assertEquals(torch.get(r).length, tf.get(r).length, "row " + r + " length");
            for (int t = 0; t < torch.get(r).length; t++) {
                double a = torch.get(r)[t];
                double b = tf.get(r)[t];
                worst = Math.max(worst, Math.abs(a - b) / Math.max(1e-6, Math.abs(a)));
                tokens++;
            }
        }
        System.out.println("cross-backend log-probs: " + tokens + " tokens, largest relative difference " + worst);
        assertTrue(tokens > 10, "the batch has tokens to compare");
        assertTrue(worst < LOGP_RELATIVE, "largest relative log-prob difference " + worst);
    }

    @Test
    void oneStepFromTheSameStateGivesTheSameWeights(@TempDir Path tmp) throws Exception {
        Path model = tinyModel(tmp.resolve("m"), 43);
        Batch batch = sampled(model, tmp);
        double[] advantages = new double[batch.completions().size()];
        for (int r = 0; r < advantages.length; r++) {
            advantages[r] = (r % 3) - 1.0;
        }
        PolicyLoss.Grpo loss = new PolicyLoss.Grpo(0.04, 0.2, 0.28, PolicyLoss.KlEstimator.K3,
                PolicyLoss.Aggregation.SEQUENCE_MEAN, 6);
        OptimizerSettings adamw = new OptimizerSettings(1e-3, 0.01, 0.9, 0.999, 1e-8, 1.0, 0, 10,
                OptimizerSettings.Decay.CONSTANT);
        StepResult[] results = new StepResult[2];
        PolicyBackend[] backends = {new TorchBackend(), new TensorflowBackend()};
        for (int b = 0; b < 2; b++) {
            try (Policy p = backends[b].load(model, "cpu")) {
                List<float[]> old = p.logProbs(batch.rows(), batch.completions());
                List<float[]> ref = p.referenceLogProbs(batch.rows(), batch.completions());
                results[b] = p.step(new TrainingBatch(batch.rows(), batch.completions(), advantages, old, ref),
                        loss, adamw, 0);
                p.save(tmp.resolve("after-" + b), true);
            }
        }
        assertEquals(results[0].loss(), results[1].loss(), 1e-4 * Math.max(1e-3, Math.abs(results[0].loss())), "loss");
        assertEquals(results[0].gradNorm(), results[1].gradNorm(), 1e-4 * results[0].gradNorm(), "gradient norm");
        compare(tmp.resolve("after-0").resolve(Checkpoints.WEIGHTS), tmp.resolve("after-1").resolve(Checkpoints.WEIGHTS));
        compare(tmp.resolve("after-0").resolve(Checkpoints.OPTIMIZER),
                tmp.resolve("after-1").resolve(Checkpoints.OPTIMIZER));
    }

    private static void compare(Path torchFile, Path tfFile) throws Exception {
        Map<String, SafeTensors.Entry> a = SafeTensors.read(torchFile);
        Map<String, SafeTensors.Entry> b = SafeTensors.read(tfFile);
        assertEquals(a.keySet(), b.keySet(), torchFile.getFileName() + ": tensor names");
        double worst = 0;
        String where = "";
        for (String name : a.keySet()) {
            float[] x = a.get(name).data();
            float[] y = b.get(name).data();
            assertEquals(x.length, y.length, name);
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs(x[i] - y[i]);
                if (d > worst) {
                    worst = d;
                    where = name + "[" + i + "]";
                }
            }
        }
        System.out.println("cross-backend " + torchFile.getFileName() + ": largest difference " + worst + " at " + where);
        assertTrue(worst < WEIGHT_ABSOLUTE, torchFile.getFileName() + ": largest difference " + worst + " at " + where);
    }

    /** Both engines' natives loaded and used alternately in one JVM, each passing its smoke test. */
    @Test
    void bothNativesCoexistInOneJvm() {
        PolicyBackend torch = new TorchBackend();
        PolicyBackend tf = new TensorflowBackend();
        for (int round = 0; round < 3; round++) {
            assertNull(torch.smokeTest(), "pytorch smoke test, round " + round);
            assertNull(tf.smokeTest(), "tensorflow smoke test, round " + round);
        }
        assertEquals("PyTorch", torch.info().engine());
        assertEquals("TensorFlow", tf.info().engine());
        assertNull(torch.info().problem());
        assertNull(tf.info().problem());
    }
}
