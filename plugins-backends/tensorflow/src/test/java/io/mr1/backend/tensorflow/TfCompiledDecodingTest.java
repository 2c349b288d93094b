package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.SamplingParams;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.policy.EnginePolicy;
import io.mr1.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiled decoding: with a fixed seed the compiled (lazy, cached-graph) decoding steps sample
 * exactly the tokens eager decoding samples, with the same log-probs up to float rounding; a
 * second call of the same lengths builds no graph, and a step's KV cache is fetched with its
 * logits once the engine has learnt it is needed (recomputed only in the first compiled call).
 */
class TfCompiledDecodingTest {

    private static <T> T withCompiledDecoding(boolean on, Supplier<T> work) {
        String before = System.getProperty(TfEngine.COMPILED_DECODING);
        System.setProperty(TfEngine.COMPILED_DECODING, Boolean.toString(on));
        try {
            return work.get();
        } finally {
            if (before == null) {
                System.clearProperty(TfEngine.COMPILED_DECODING);
            } else {
                System.setProperty(TfEngine.COMPILED_DECODING, before);
            }
        }
    }

    @Test
    void compiledStepsSampleTheEagerTokens(@TempDir Path tmp) throws Exception {
        Path model = BenchmarkBatch.model("tiny", tmp);
        List<Prompt> prompts = BenchmarkBatch.of("tiny").rows().stream().distinct().toList();
        double learnt = -1;
        try (EnginePolicy tf = (EnginePolicy) new TensorflowBackend().load(model, "cpu")) {
            for (boolean cache : new boolean[] {true, false}) {
                for (double temperature : new double[] {1.0, 0.0}) {
                    SamplingParams params = new SamplingParams(4, temperature, 1.0, 0, 24, 7);
                    List<List<Completion>> eager = withCompiledDecoding(false, () -> tf.sample(prompts, params, cache));
                    double builds0 = tf.engineStatistics().get("graph_builds");
                    double runs0 = tf.engineStatistics().get("graph_runs");
                    List<List<Completion>> compiled = withCompiledDecoding(true, () -> tf.sample(prompts, params, cache));
                    double builds1 = tf.engineStatistics().get("graph_builds");
                    double runs1 = tf.engineStatistics().get("graph_runs");
                    List<List<Completion>> again = withCompiledDecoding(true, () -> tf.sample(prompts, params, cache));
                    double builds2 = tf.engineStatistics().get("graph_builds");
                    String what = "cache " + cache + ", temperature " + temperature;
                    int tokens = 0;
                    for (int p = 0; p < prompts.size(); p++) {
                        for (int j = 0; j < params.groupSize(); j++) {
                            Completion e = eager.get(p).get(j);
                            Completion c = compiled.get(p).get(j);
                            assertArrayEquals(e.tokenIds(), c.tokenIds(), what + ": tokens of " + p + "/" + j);
                            assertArrayEquals(e.tokenIds(), again.get(p).get(j).tokenIds(), what + ": again");
                            for (int k = 0; k < e.logProbs().length; k++) {
                                assertEquals(e.logProbs()[k], c.logProbs()[k], 1e-5, what + ": log-prob " + k);
                            }
                            tokens += e.tokenIds().length;
                        }
                    }
                    assertTrue(tokens > prompts.size() * params.groupSize(), what + ": " + tokens + " tokens");
                    // every step after the first draw ran as a graph (built by the first such call of a length)
                    assertTrue(runs1 - runs0 >= params.maxNewTokens() - 1, what + ": " + (runs1 - runs0) + " graph runs");
                    if (cache && temperature > 0) {
                        assertTrue(builds1 > builds0, what + ": the compiled steps built graphs");
                        learnt = tf.engineStatistics().get("decode_recomputes");
                    }
                    assertEquals(builds1, builds2, what + ": a second call of the same lengths builds none");
                }
            }
            // the first compiled step's KV cache (a key and a value per layer) was computed again
            // once; from then on each step fetches it with its logits
            assertTrue(learnt > 0, "recomputes " + learnt);
            assertEquals(learnt, tf.engineStatistics().get("decode_recomputes"), "recomputes after the first call");
        }
    }

    /** Step values are released two steps later: memory linear in the steps, a late read is a clear error. */
    @Test
    void aStepsValuesAreReleasedTwoStepsLater() {
        try (TfEngine engine = new TfEngine()) {
            engine.create("w", new float[] {1, 2}, new long[] {1, 2}, false);
            engine.scoped(() -> {
                engine.drawTokens(engine.variable("w"), new int[0], 0, 0, 1, new double[] {0}); // decoding from here
                Tensor[] steps = new Tensor[4];
                Tensor x = engine.variable("w");
                for (int i = 0; i < steps.length; i++) {
                    x = x.add(1.0); // each step fed the previous step's value
                    steps[i] = x;
                    assertArrayEquals(new float[] {2 + i, 3 + i}, x.toFloatArray(), "step " + i);
                }
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> steps[0].toFloatArray());
                assertTrue(e.getMessage().contains("released"), e.getMessage());
                assertArrayEquals(new float[] {4, 5}, steps[2].toFloatArray(), "the previous step's value is kept");
                return null;
            });
        }
    }
}
