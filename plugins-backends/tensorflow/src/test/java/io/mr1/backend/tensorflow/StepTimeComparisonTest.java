package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.backend.pytorch.TorchBackend;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steady-state GRPO-D step time, TensorFlow against PyTorch, on the benchmark's batch (2
 * prompts of 20 tokens, G = 8, 64-token completions): both policies loaded side by side, steps
 * interleaved so that machine load hits both alike, medians compared. A measurement, run on
 * request: {@code -Dmr1.stepTime=true} (it also checks that both backends compute the same loss);
 * {@code -Dmr1.stepTime.steps=N} sets the timed steps per backend. Every step's time and the
 * machine's load average (before and after) are printed, so noise from other processes shows.
 */
@EnabledIfSystemProperty(named = "mr1.stepTime", matches = "true")
class StepTimeComparisonTest {

    private static final PolicyLoss.Grpo LOSS = BenchmarkBatch.LOSS;
    private static final OptimizerSettings ADAM = BenchmarkBatch.ADAM;

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "30m"})
    void steadyStateStepTime(String size, @TempDir Path tmp) throws Exception {
        Path model = BenchmarkBatch.model(size, tmp);
        BenchmarkBatch data = BenchmarkBatch.of(size);
        List<Prompt> rows = data.rows();
        List<Completion> completions = data.completions();
        double[] advantages = data.advantages();
        int warmup = 2;
        int timed = Integer.getInteger("mr1.stepTime.steps", size.equals("tiny") ? 8 : 4);
        String loadBefore = loadAverage();
        double[][] seconds = new double[2][timed];
        double[][] scoring = new double[2][timed];
        double[] optimizer = new double[timed];
        double[] firstLoss = new double[2];
        try (Policy torch = new TorchBackend().load(model, "cpu");
             Policy tf = new TensorflowBackend().load(model, "cpu")) {
            Policy[] policies = {torch, tf};
            List<float[]> ref = torch.referenceLogProbs(rows, completions);
            TrainingBatch batch = new TrainingBatch(rows, completions, advantages, List.of(), ref);
            for (int i = 0; i < warmup + timed; i++) {
                for (int b = 0; b < 2; b++) {
                    long t0 = System.nanoTime();
                    policies[b].referenceLogProbs(rows, completions);
                    double optimizerBefore = policies[b].engineStatistics().getOrDefault("optimizer_seconds", 0.0);
                    long t1 = System.nanoTime();
                    StepResult result = policies[b].step(batch, LOSS, ADAM, i);
                    long t2 = System.nanoTime();
                    if (i == 0) {
                        firstLoss[b] = result.loss();
                    }
                    if (i >= warmup) {
                        scoring[b][i - warmup] = (t1 - t0) / 1e9;
                        seconds[b][i - warmup] = (t2 - t1) / 1e9;
                        if (b == 1) {
                            optimizer[i - warmup] = policies[b].engineStatistics().get("optimizer_seconds")
                                    - optimizerBefore;
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "[step time] %s (%d parameters): PyTorch step %.3f s, TensorFlow step %.3f s"
                            + " -> TF/PyTorch %.2fx; reference scoring %.3f s vs %.3f s -> %.2fx; TF graph builds %s,"
                            + " build time %.2f s (all in warm-up)%n",
                    size, torch.parameterCount(), median(seconds[0]), median(seconds[1]),
                    median(seconds[1]) / median(seconds[0]), median(scoring[0]), median(scoring[1]),
                    median(scoring[1]) / median(scoring[0]), tf.engineStatistics().get("graph_builds"),
                    tf.engineStatistics().get("graph_build_seconds"));
            System.out.printf(Locale.ROOT, "[step time] %s steps, s: PyTorch %s, TensorFlow %s (of which its host AdamW"
                            + " %s); load average before %s, after %s%n", size, seconds(seconds[0]), seconds(seconds[1]),
                    seconds(optimizer), loadBefore, loadAverage());
        }
        assertEquals(firstLoss[0], firstLoss[1], 1e-4 * Math.max(1e-3, Math.abs(firstLoss[0])), "first step's loss");
    }

    private static String seconds(double[] values) {
        StringBuilder out = new StringBuilder("[");
        for (double v : values) {
            out.append(out.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.3f", v));
        }
        return out.append(']').toString();
    }

    /** The 1, 5 and 15 minute load averages (Linux), or "n/a". */
    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
