package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.backend.conformance.BackendConformanceKit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training through the vision encoder: finite gradients on image prompts, left-padded in a batch. */
class TorchImageTest {

    static List<double[]> trainTwice(Path tmp, String name) throws Exception {
        Path model = TinyFixture.create(tmp.resolve(name), 6);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            prompts.add(new Prompt("p" + i, "count the objects", List.of(new ImageRef(BackendConformanceKit.dotsImage(tmp, i + ".png", i)))));
        }
        OptimizerSettings adam = new OptimizerSettings(2e-3, 0, 0.9, 0.999, 1e-8, 1.0, 0, 10,
                OptimizerSettings.Decay.CONSTANT);
        List<double[]> out = new ArrayList<>();
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            List<Completion> targets = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                targets.add(policy.encodeTarget("p" + i, "<answer> " + i + " </answer>"));
            }
            for (int step = 0; step < 12; step++) {
                StepResult r = policy.step(new TrainingBatch(prompts, targets, new double[4], List.of(), List.of()),
                        new PolicyLoss.Sft(), adam, step);
                out.add(new double[] {r.loss(), r.gradNorm()});
            }
        }
        return out;
    }

    /**
     * Regression: DJL's scalar overloads (mul(Number), clip, pow) back a tensor that autograd
     * keeps with a Java buffer the garbage collector may free before backward runs; with a
     * collector running all the time, any such use shows up as differing or NaN gradients.
     */
    @Test
    void trainingIsDeterministicUnderGarbageCollection(@TempDir Path tmp) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread collector = new Thread(() -> {
            while (running.get()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        List<double[]> a;
        List<double[]> b;
        try {
            a = trainTwice(tmp, "a");
            b = trainTwice(tmp, "b");
        } finally {
            running.set(false);
        }
        for (int i = 0; i < a.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(i), b.get(i), 0.0, "step " + i);
        }
    }

    @Test
    void sftStepsOnImagePromptsHaveFiniteGradients(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 6);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            String text = i % 2 == 0 ? "how many items are there in the image ?" : "count the objects";
            prompts.add(new Prompt("p" + i, text, List.of(new ImageRef(BackendConformanceKit.dotsImage(tmp, i + ".png", i)))));
        }
        OptimizerSettings adam = new OptimizerSettings(2e-3, 0, 0.9, 0.999, 1e-8, 1.0, 0, 10,
                OptimizerSettings.Decay.CONSTANT);
        try (Policy policy = new TorchBackend().load(model, "cpu")) {
            List<Completion> targets = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                targets.add(policy.encodeTarget("p" + i, "<think> count </think> <answer> " + i + " </answer>"));
            }
            double first = Double.NaN;
            double last = Double.NaN;
            for (int step = 0; step < 8; step++) {
                StepResult r = policy.step(new TrainingBatch(prompts, targets, new double[4], List.of(), List.of()),
                        new PolicyLoss.Sft(), adam, step);
                assertTrue(Double.isFinite(r.loss()) && Double.isFinite(r.gradNorm()),
                        "step " + step + ": loss " + r.loss() + ", grad norm " + r.gradNorm());
                first = step == 0 ? r.loss() : first;
                last = r.loss();
            }
            assertTrue(last < first, first + " -> " + last);
        }
    }
}
