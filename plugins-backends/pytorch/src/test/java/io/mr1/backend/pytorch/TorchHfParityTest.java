package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.models.Checkpoints;
import io.mr1.models.HfFixture;
import io.mr1.models.KvCache;
import io.mr1.models.ModelConfig;
import io.mr1.models.MropePositions;
import io.mr1.models.Qwen2VlModel;
import io.mr1.models.SafeTensors;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parity with Hugging Face transformers on libtorch in float32 (the shared fixture): image
 * embeddings, logits, and greedy decoding with the KV cache of the tiny hub-layout checkpoint.
 */
class TorchHfParityTest {

    @ParameterizedTest
    @CsvSource({"forward-synthetic.json, forward-synthetic-pixel-values.npy",
        "forward-real-000000.json, pixel-values-000000.npy"})
    void float32LogitsAndGreedyTokensMatchTransformers(String name, String pixelsFile) throws Exception {
        JsonObject fx = HfFixture.json(name);
        ModelConfig config = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        Qwen2VlModel model = new Qwen2VlModel(config);
        Map<String, SafeTensors.Entry> weights = SafeTensors.read(HfFixture.CHECKPOINT.resolve(Checkpoints.WEIGHTS));
        long[] ids = HfFixture.longs(fx.get("input_ids"));
        int[] grid = Arrays.stream(HfFixture.longs(fx.get("image_grid_thw"))).mapToInt(v -> (int) v).toArray();
        HfFixture.Npy pixels = HfFixture.npy(HfFixture.DIR.resolve(pixelsFile));
        MropePositions pos = MropePositions.of(ids, config.imageTokenId(), config.visionConfig().spatialMergeSize(),
                List.of(grid));
        JsonObject gen = fx.getAsJsonObject("generate");
        long[] expectedTokens = HfFixture.longs(gen.get("new_tokens"));
        JsonArray stepLogits = gen.getAsJsonArray("step_logits");
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            weights.forEach((n, e) -> engine.create(n, e.data(), e.shape(), false));
            Parameters p = engine::variable;
            double[] diffs = engine.scoped(() -> {
                TensorFactory f = engine.tensors();
                Tensor features = model.encodeImages(p, f, f.constant(pixels.values(), pixels.shape()), List.of(grid));
                double embeds = HfFixture.maxAbsDiff(HfFixture.doubles(fx.get("image_embeds")),
                        features.toDoubleArray());
                int t = ids.length;
                KvCache cache = new KvCache(config.numHiddenLayers());
                Tensor logits = model.forward(p, f, new long[][] {ids}, new long[][][] {pos.ids()},
                        new int[][] {HfFixture.ones(t)}, features, cache);
                double full = HfFixture.maxAbsDiff(HfFixture.doubles(fx.get("logits")), logits.toDoubleArray());
                Tensor last = logits.slice(1, t - 1, t);
                double steps = 0;
                long[] tokens = new long[expectedTokens.length];
                for (int step = 0; step < tokens.length; step++) {
                    double[] values = last.toDoubleArray();
                    steps = Math.max(steps, HfFixture.maxAbsDiff(HfFixture.doubles(stepLogits.get(step)), values));
                    tokens[step] = HfFixture.argmax(values);
                    long position = cache.length() + pos.ropeDelta();
                    last = model.forward(p, f, new long[][] {{tokens[step]}},
                            new long[][][] {{{position}, {position}, {position}}},
                            new int[][] {HfFixture.ones((int) cache.length() + 1)}, null, cache);
                }
                assertArrayEquals(expectedTokens, tokens, name + ": greedy tokens");
                return new double[] {embeds, full, steps};
            });
            System.out.printf("%s on libtorch float32: image_embeds %.3g, logits %.3g, step logits %.3g%n", name,
                    diffs[0], diffs[1], diffs[2]);
            assertTrue(diffs[0] <= 2e-6, "image_embeds max abs diff " + diffs[0]);
            assertTrue(diffs[1] <= 1e-5, "logits max abs diff " + diffs[1]);
            assertTrue(diffs[2] <= 1e-5, "step logits max abs diff " + diffs[2]);
        }
    }
}
