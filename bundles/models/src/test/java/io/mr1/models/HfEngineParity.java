package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The shared Hugging Face fixture run on a backend's tensors, written once for every engine:
 * image embeddings, full logits and greedy decoding with the KV cache of the tiny hub-layout
 * checkpoint, against the fixture's float32 tolerances (see the fixture's README). A backend
 * test loads {@link #weights()} into its engine and calls {@link #check} inside one of its scopes.
 */
public final class HfEngineParity {

    /** The fixture cases: forward file and its pixel values. */
    public static final List<String[]> CASES = List.of(
            new String[] {"forward-synthetic.json", "forward-synthetic-pixel-values.npy"},
            new String[] {"forward-real-000000.json", "pixel-values-000000.npy"});

    private HfEngineParity() {
    }

    /**
     * One fixture case, read: the forward file, the model, the prompt ids, image grid, pixel
     * values and M-RoPE positions.
     */
    public record Case(String name, JsonObject fixture, ModelConfig config, Qwen2VlModel model, long[] ids, int[] grid,
                       HfFixture.Npy pixels, MropePositions positions) {

        public static Case read(String name, String pixelsFile) throws IOException {
            JsonObject fx = HfFixture.json(name);
            ModelConfig config = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
            long[] ids = HfFixture.longs(fx.get("input_ids"));
            int[] grid = Arrays.stream(HfFixture.longs(fx.get("image_grid_thw"))).mapToInt(v -> (int) v).toArray();
            MropePositions pos = MropePositions.of(ids, config.imageTokenId(), config.visionConfig().spatialMergeSize(),
                    List.of(grid));
            return new Case(name, fx, config, new Qwen2VlModel(config), ids, grid,
                    HfFixture.npy(HfFixture.DIR.resolve(pixelsFile)), pos);
        }

        /** @return the image features of the case's pixel values */
        public Tensor features(Parameters p, TensorFactory f) {
            return model.encodeImages(p, f, f.constant(pixels.values(), pixels.shape()), List.of(grid));
        }

        /** @return the full forward's logits over the prompt (with the image) */
        public Tensor logits(Parameters p, TensorFactory f, Tensor features, KvCache cache) {
            return model.forward(p, f, new long[][] {ids}, new long[][][] {positions.ids()},
                    new int[][] {HfFixture.ones(ids.length)}, features, cache);
        }
    }

    /** @return the fixture checkpoint's tensors, by name */
    public static Map<String, SafeTensors.Entry> weights() throws IOException {
        return SafeTensors.read(HfFixture.CHECKPOINT.resolve(Checkpoints.WEIGHTS));
    }

    /**
     * Runs one fixture case and checks it: greedy tokens identical, image embeddings within
     * 2e-6, logits and each generation step's logits within 1e-5 (max abs diff).
     *
     * @param name the forward file
     * @param pixelsFile its pixel values
     * @param p the fixture weights as the engine's variables
     * @param f the engine's tensor factory
     * @param engine the engine's name, for the report
     * @return max abs diffs of image embeddings, logits and step logits
     */
    public static double[] check(String name, String pixelsFile, Parameters p, TensorFactory f, String engine) {
        try {
            Case c = Case.read(name, pixelsFile);
            JsonObject fx = c.fixture();
            Qwen2VlModel model = c.model();
            long[] ids = c.ids();
            MropePositions pos = c.positions();
            JsonObject gen = fx.getAsJsonObject("generate");
            long[] expectedTokens = HfFixture.longs(gen.get("new_tokens"));
            JsonArray stepLogits = gen.getAsJsonArray("step_logits");
            Tensor features = c.features(p, f);
            double embeds = HfFixture.maxAbsDiff(HfFixture.doubles(fx.get("image_embeds")), features.toDoubleArray());
            int t = ids.length;
            KvCache cache = new KvCache(c.config().numHiddenLayers());
            Tensor logits = c.logits(p, f, features, cache);
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
            System.out.printf("%s on %s float32: image_embeds %.3g, logits %.3g, step logits %.3g%n", name, engine,
                    embeds, full, steps);
            assertArrayEquals(expectedTokens, tokens, name + ": greedy tokens");
            assertTrue(embeds <= 2e-6, name + ": image_embeds max abs diff " + embeds);
            assertTrue(full <= 1e-5, name + ": logits max abs diff " + full);
            assertTrue(steps <= 1e-5, name + ": step logits max abs diff " + steps);
            return new double[] {embeds, full, steps};
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
