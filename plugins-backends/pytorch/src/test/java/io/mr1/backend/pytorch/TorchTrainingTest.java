package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import io.mr1.objective.Advantages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchTrainingTest {

    static final OptimizerSettings ADAM = new OptimizerSettings(3e-3, 0.0, 0.9, 0.999, 1e-8, 1.0, 0, 100,
            OptimizerSettings.Decay.CONSTANT);

    /** One GRPO step by hand: sample, reward "the completion says 3", advantages, update. */
    static double grpoStep(Policy policy, List<Prompt> prompts, int step, double beta) {
        List<List<Completion>> groups = policy.sample(prompts, new SamplingParams(8, 1.0, 1.0, 0, 4, 100 + step));
        List<Prompt> flatPrompts = new ArrayList<>();
        List<Completion> flat = new ArrayList<>();
        List<Double> adv = new ArrayList<>();
        double total = 0;
        for (int i = 0; i < prompts.size(); i++) {
            double[] r = groups.get(i).stream().mapToDouble(c -> c.text().contains("3") ? 1 : 0).toArray();
            for (double v : r) {
                total += v;
            }
            double[] a = Advantages.group(r, true, Advantages.DEFAULT_EPS);
            for (int j = 0; j < r.length; j++) {
                flatPrompts.add(prompts.get(i));
                flat.add(groups.get(i).get(j));
                adv.add(a[j]);
            }
        }
        List<float[]> ref = beta > 0 ? policy.referenceLogProbs(flatPrompts, flat) : List.of();
        StepResult result = policy.step(new TrainingBatch(flatPrompts, flat, adv.stream().mapToDouble(d -> d).toArray(),
                List.of(), ref), new PolicyLoss.Grpo(beta, 0.2, 0.2, PolicyLoss.KlEstimator.K3,
                PolicyLoss.Aggregation.SEQUENCE_MEAN, 4), ADAM, step);
        assertTrue(Double.isFinite(result.loss()) && Double.isFinite(result.gradNorm()));
        return total / flat.size();
    }

    @Test
    void grpoOnAToyRuleRaisesTheReward(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 3);
        List<Prompt> prompts = List.of(Prompt.text("a", "how many items are there ?"),
                Prompt.text("b", "count the objects"));
        List<Double> curve = new ArrayList<>();
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            for (int step = 0; step < 40; step++) {
                curve.add(grpoStep(policy, prompts, step, 0.04));
            }
        }
        double first = curve.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = curve.subList(35, 40).stream().mapToDouble(d -> d).average().orElseThrow();
        System.out.printf("toy GRPO reward: first 5 steps %.3f, last 5 steps %.3f%n", first, last);
        assertTrue(last > first + 0.3 && last > 0.6, "learning is broken: " + curve);
    }

    @Test
    void saveThenLoadIsBitExactAndKeepsTheOptimizerState(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 4);
        List<Prompt> prompts = List.of(Prompt.text("a", "count the objects"));
        Path saved = tmp.resolve("saved");
        TorchBackend backend = new TorchBackend();
        List<float[]> before;
        Completion probe;
        try (Policy policy = backend.load(model, "cpu")) {
            grpoStep(policy, prompts, 0, 0.0);
            policy.save(saved, true);
            probe = policy.sample(prompts, new SamplingParams(1, 1.0, 1.0, 0, 6, 9)).get(0).get(0);
            before = policy.logProbs(prompts, List.of(probe));
        }
        assertTrue(Files.isRegularFile(saved.resolve(Checkpoints.OPTIMIZER)));
        try (Policy reloaded = backend.load(saved, model, "cpu")) {
            Path again = tmp.resolve("again");
            reloaded.save(again, true);
            assertArrayEquals(Files.readAllBytes(saved.resolve(Checkpoints.WEIGHTS)),
                    Files.readAllBytes(again.resolve(Checkpoints.WEIGHTS)), "weights bit-exact");
            assertArrayEquals(Files.readAllBytes(saved.resolve(Checkpoints.OPTIMIZER)),
                    Files.readAllBytes(again.resolve(Checkpoints.OPTIMIZER)), "optimizer moments bit-exact");
            assertArrayEquals(before.get(0), reloaded.logProbs(prompts, List.of(probe)).get(0), 0f);
            // The reference stayed the initial model, not the saved (trained) weights.
            var initial = SafeTensors.read(model.resolve(Checkpoints.WEIGHTS));
            assertEquals(initial.keySet(), SafeTensors.read(saved.resolve(Checkpoints.WEIGHTS)).keySet());
        }
    }

    @Test
    void sftStepLowersTheLossOfTheTarget(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 5);
        Prompt prompt = Prompt.text("a", "how many items are there ?");
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            Completion target = policy.encodeTarget("a", "<think> count </think> <answer> 3 </answer>");
            assertEquals(7, target.length(), "six words plus <|im_end|>");
            double firstLoss = 0;
            double lastLoss = 0;
            for (int step = 0; step < 30; step++) {
                StepResult r = policy.step(new TrainingBatch(List.of(prompt), List.of(target), new double[] {0},
                        List.of(), List.of()), new PolicyLoss.Sft(), ADAM, step);
                if (step == 0) {
                    firstLoss = r.loss();
                }
                lastLoss = r.loss();
            }
            assertTrue(lastLoss < firstLoss * 0.5, firstLoss + " -> " + lastLoss);
            Completion greedy = policy.sample(List.of(prompt), new SamplingParams(1, 0.0, 1.0, 0, 10, 1)).get(0).get(0);
            assertEquals("<think> count </think> <answer> 3 </answer>", greedy.text());
            assertTrue(greedy.endedWithEos());
        }
    }
}
