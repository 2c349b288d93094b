package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parity with Hugging Face transformers (the shared fixture): M-RoPE positions, image
 * embeddings, logits and greedy decoding with the KV cache for the tiny hub-layout
 * checkpoint, on the double-precision reference engine.
 */
class HfParityTest {

    static final TensorFactory F = DoubleTensor.FACTORY;

    @ParameterizedTest
    @CsvSource({"forward-synthetic.json, forward-synthetic-pixel-values.npy",
        "forward-real-000000.json, pixel-values-000000.npy"})
    void logitsImageEmbedsPositionsAndGreedyDecodingMatchTransformers(String name, String pixelsFile) throws Exception {
        JsonObject fx = HfFixture.json(name);
        ModelConfig config = ModelConfig.read(HfFixture.CHECKPOINT.resolve("config.json"));
        assertTrue(config.ignoredKeys().contains("sliding_window"), config.ignoredKeys().toString());
        Qwen2VlModel model = new Qwen2VlModel(config);
        Parameters p = HfFixture.weights(model);
        long[] ids = HfFixture.longs(fx.get("input_ids"));
        int[] grid = java.util.Arrays.stream(HfFixture.longs(fx.get("image_grid_thw"))).mapToInt(v -> (int) v).toArray();
        HfFixture.Npy pixels = HfFixture.npy(HfFixture.DIR.resolve(pixelsFile));
        assertArrayEquals(HfFixture.longs(fx.get("pixel_values_shape")), pixels.shape());

        // Positions: identical.
        MropePositions pos = MropePositions.of(ids, config.imageTokenId(), 2, List.of(grid));
        JsonArray expectedPos = fx.getAsJsonArray("position_ids");
        for (int axis = 0; axis < 3; axis++) {
            assertArrayEquals(HfFixture.longs(expectedPos.get(axis)), pos.ids()[axis], "axis " + axis);
        }
        assertEquals(fx.get("rope_delta").getAsLong(), pos.ropeDelta());

        // Image embeddings: within 2e-6.
        Tensor features = model.encodeImages(p, F, F.constant(pixels.values(), pixels.shape()), List.of(grid));
        double embedDiff = HfFixture.maxAbsDiff(HfFixture.doubles(fx.get("image_embeds")), features.toDoubleArray());
        System.out.printf("%s: image_embeds max abs diff %.3g%n", name, embedDiff);
        assertTrue(embedDiff <= 2e-6, "image_embeds max abs diff " + embedDiff);

        // Logits of the whole prompt: within 1e-5.
        int t = ids.length;
        int[][] mask = {HfFixture.ones(t)};
        Tensor logits = model.forward(p, F, new long[][] {ids}, new long[][][] {pos.ids()}, mask, features, null);
        double logitDiff = HfFixture.maxAbsDiff(HfFixture.doubles(fx.get("logits")), logits.toDoubleArray());
        System.out.printf("%s: logits max abs diff %.3g%n", name, logitDiff);
        assertTrue(logitDiff <= 1e-5, "logits max abs diff " + logitDiff);

        // Greedy decoding with the KV cache: the same tokens, step logits within 1e-5.
        JsonObject gen = fx.getAsJsonObject("generate");
        long[] expectedTokens = HfFixture.longs(gen.get("new_tokens"));
        JsonArray stepLogits = gen.getAsJsonArray("step_logits");
        KvCache cache = new KvCache(config.numHiddenLayers());
        Tensor last = model.forward(p, F, new long[][] {ids}, new long[][][] {pos.ids()}, mask, features, cache)
                .slice(1, t - 1, t);
        long next = pos.next();
        double stepDiff = 0;
        long[] tokens = new long[expectedTokens.length];
        for (int step = 0; step < expectedTokens.length; step++) {
            double[] values = last.toDoubleArray();
            stepDiff = Math.max(stepDiff, HfFixture.maxAbsDiff(HfFixture.doubles(stepLogits.get(step)), values));
            tokens[step] = HfFixture.argmax(values);
            if (step == expectedTokens.length - 1) {
                break;
            }
            // transformers: cache length + rope_delta on all three axes.
            long position = cache.length() + pos.ropeDelta();
            assertEquals(next++, position);
            long[][][] stepPos = {{{position}, {position}, {position}}};
            last = model.forward(p, F, new long[][] {{tokens[step]}}, stepPos, new int[][] {HfFixture.ones((int) cache.length() + 1)},
                    null, cache);
        }
        System.out.printf("%s: greedy tokens %s, step logits max abs diff %.3g%n", name,
                java.util.Arrays.toString(tokens), stepDiff);
        assertArrayEquals(expectedTokens, tokens);
        assertTrue(stepDiff <= 1e-5, "step logits max abs diff " + stepDiff);
    }
}
