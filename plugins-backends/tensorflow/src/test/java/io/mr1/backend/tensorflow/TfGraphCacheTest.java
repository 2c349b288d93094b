package io.mr1.backend.tensorflow;

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
import io.mr1.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph cache: a trace of the same shapes reuses its compiled graph with the new trace's
 * constants, scalar factors and variable values (never stale ones), a new shape builds a new
 * graph, and a training run's later steps build none.
 */
class TfGraphCacheTest {

    /** sum((x * c + s)^2) for a variable x, a constant c and a scalar s. */
    private static double[] lossAndGradient(TfEngine engine, float[] c, double s) {
        double[] loss = engine.scoped(() -> engine.backward(() -> new Tensor[] {
            engine.variable("x").mul(engine.tensors().constant(c, c.length)).add(s).square().sum()}));
        double[] grad = engine.scoped(() -> engine.gradient("x").toDoubleArray());
        engine.zeroGradients();
        double[] out = new double[1 + grad.length];
        out[0] = loss[0];
        System.arraycopy(grad, 0, out, 1, grad.length);
        return out;
    }

    private static double[] expected(float[] x, float[] c, double s) {
        double[] out = new double[1 + x.length];
        for (int i = 0; i < x.length; i++) {
            double y = x[i] * c[i] + s;
            out[0] += y * y;
            out[1 + i] = 2 * y * c[i];
        }
        return out;
    }

    @Test
    void aCachedGraphRunsWithTheNewTracesValues() {
        try (TfEngine engine = new TfEngine()) {
            float[] x = {1f, -2f, 0.5f};
            engine.create("x", x, new long[] {3}, true);
            float[][] constants = {{1f, 2f, 3f}, {-1f, 0.5f, 4f}, {2f, 2f, -2f}};
            double[] scalars = {0.0, 1.5, -3.0};
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(expected(x, constants[k], scalars[k]), lossAndGradient(engine, constants[k], scalars[k]),
                        1e-5, "call " + k);
            }
            assertEquals(1, engine.graphBuilds(), "three calls of one shape build one graph");
            // new variable values (an optimiser update) are fed too
            float[] moved = {0.25f, 3f, -1f};
            engine.create("x", moved, new long[] {3}, true);
            assertArrayEquals(expected(moved, constants[1], 2.0), lossAndGradient(engine, constants[1], 2.0), 1e-5);
            assertEquals(1, engine.graphBuilds(), "a new value of the variable is fed, not compiled");
            // another shape is another bucket
            float[] longer = {1f, 2f, 3f, 4f};
            engine.create("x", longer, new long[] {4}, true);
            assertArrayEquals(expected(longer, longer, 0.5), lossAndGradient(engine, longer, 0.5), 1e-5);
            assertEquals(2, engine.graphBuilds(), "a new shape builds a graph");
            // scoring is cached on its own key
            float[] a = engine.evaluate(() -> engine.variable("x").mul(2.0));
            float[] b = engine.evaluate(() -> engine.variable("x").mul(3.0));
            assertArrayEquals(new float[] {2f, 4f, 6f, 8f}, a);
            assertArrayEquals(new float[] {3f, 6f, 9f, 12f}, b);
            assertEquals(3, engine.graphBuilds());
            assertEquals(3.0, engine.statistics().get("graph_builds"));
            assertEquals(7.0, engine.statistics().get("graph_runs"));
        }
    }

    @Test
    void anEagerTensorFromAnOuterScopeIsFedNotBakedIn() {
        try (TfEngine engine = new TfEngine()) {
            engine.create("x", new float[] {1f, 2f}, new long[] {2}, true);
            for (float k : new float[] {1f, 5f}) {
                float[] out = engine.scoped(() -> {
                    Tensor outer = engine.tensors().constant(new float[] {k, k}, 2);
                    return engine.evaluate(() -> engine.variable("x").mul(outer));
                });
                assertArrayEquals(new float[] {k, 2 * k}, out);
            }
            assertEquals(1, engine.graphBuilds());
        }
    }

    @Test
    void paddedLengthsRoundUpToBuckets() {
        try (TfEngine engine = new TfEngine()) {
            int[][] cases = {{1, 8}, {8, 8}, {9, 10}, {10, 10}, {11, 12}, {17, 20}, {33, 40}, {100, 112}, {256, 256},
                {257, 320}};
            for (int[] c : cases) {
                assertEquals(c[1], engine.paddedLength(c[0]), "padded length of " + c[0]);
            }
            for (int n = 1; n < 5000; n++) {
                int p = engine.paddedLength(n);
                assertTrue(p >= n && (n <= 8 || p <= n * 1.25 + 1), n + " -> " + p);
            }
        }
    }

    @Test
    void aTrainingRunsLaterStepsBuildNoGraphs(@TempDir Path tmp) throws Exception {
        Path model = CrossBackendTest.tinyModel(tmp.resolve("m"), 5);
        List<Prompt> prompts = List.of(new Prompt("p", "how many items are there ?", List.of()),
                new Prompt("q", "count the objects in the image", List.of()));
        PolicyLoss.Grpo loss = new PolicyLoss.Grpo(0.05, 0.2, 0.28, PolicyLoss.KlEstimator.K3,
                PolicyLoss.Aggregation.TOKEN_MEAN, 6);
        OptimizerSettings adamw = new OptimizerSettings(1e-3, 0.01, 0.9, 0.999, 1e-8, 1.0, 0, 10,
                OptimizerSettings.Decay.CONSTANT);
        List<Double> builds = new ArrayList<>();
        try (Policy policy = new TensorflowBackend().load(model, "cpu")) {
            for (int step = 0; step < 4; step++) {
                // a different prompt order and seed each step: other lengths, the same buckets
                List<Prompt> order = step % 2 == 0 ? prompts : List.of(prompts.get(1), prompts.get(0));
                List<List<Completion>> groups = policy.sample(order, new SamplingParams(3, 1.0, 1.0, 0, 6, 100 + step));
                List<Prompt> rows = new ArrayList<>();
                List<Completion> flat = new ArrayList<>();
                for (int p = 0; p < order.size(); p++) {
                    for (Completion c : groups.get(p)) {
                        rows.add(order.get(p));
                        flat.add(c);
                    }
                }
                double[] advantages = new double[flat.size()];
                for (int r = 0; r < advantages.length; r++) {
                    advantages[r] = (r % 3) - 1.0;
                }
                List<float[]> ref = policy.referenceLogProbs(rows, flat);
                StepResult result = policy.step(new TrainingBatch(rows, flat, advantages, List.of(), ref), loss, adamw,
                        step);
                assertTrue(Double.isFinite(result.loss()) && result.gradNorm() > 0, "step " + step + ": " + result);
                builds.add(policy.engineStatistics().get("graph_builds"));
            }
        }
        System.out.println("graph builds after each step: " + builds);
        assertTrue(builds.get(0) >= 2, "the first step builds the scoring and the training graph: " + builds);
        assertEquals(builds.get(1), builds.get(3), "steps 3 and 4 build no graphs: " + builds);
    }
}
