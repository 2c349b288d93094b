package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The model definition checked on the double-precision reference engine. */
class Qwen2VlModelTest {

    static final TensorFactory F = DoubleTensor.FACTORY;
    static final int IMAGE = 5;

    static ModelConfig config() {
        return new ModelConfig("test", 20, 16, 24, 2, 4, 2, 1e-6, 10000, 64, true, IMAGE, 3, 0,
                new ModelConfig.VisionConfig(1, 16, 2, 2, 2, 2, 8));
    }

    static Parameters init(Qwen2VlModel model, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> values = new HashMap<>();
        model.parameters().forEach((name, spec) -> {
            double[] v = new double[(int) spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (spec.init()) {
                    case NORMAL -> random.nextGaussian() * 0.3; // larger than 0.02 so the test sees real mixing
                    case ONES -> 1;
                    case ZEROS -> random.nextGaussian() * 0.1;
                };
            }
            values.put(name, F.constant(v, spec.shape()));
        });
        return name -> {
            Tensor t = values.get(name);
            if (t == null) {
                throw new IllegalArgumentException("unknown parameter " + name);
            }
            return t;
        };
    }

    static long[][] positions(int t) {
        long[][] p = new long[1][t];
        for (int i = 0; i < t; i++) {
            p[0][i] = i;
        }
        return p;
    }

    static int[][] ones(int b, int s) {
        int[][] m = new int[b][s];
        for (int[] row : m) {
            java.util.Arrays.fill(row, 1);
        }
        return m;
    }

    @Test
    void kvCacheDecodingEqualsAFullForwardPass() {
        Qwen2VlModel model = new Qwen2VlModel(config());
        Parameters p = init(model, 1);
        long[] seq = {2, 7, 8, 9, 10, 11};
        Tensor full = model.forward(p, F, new long[][] {seq}, positions(6), ones(1, 6), null, null);
        KvCache cache = new KvCache(2);
        Tensor prefix = model.forward(p, F, new long[][] {{2, 7, 8}}, positions(3), ones(1, 3), null, cache);
        assertArrayEquals(full.slice(1, 0, 3).toDoubleArray(), prefix.toDoubleArray(), 1e-10);
        for (int i = 3; i < 6; i++) {
            Tensor step = model.forward(p, F, new long[][] {{seq[i]}}, new long[][] {{i}}, ones(1, i + 1), null, cache);
            assertArrayEquals(full.slice(1, i, i + 1).toDoubleArray(), step.toDoubleArray(), 1e-10, "token " + i);
        }
        assertEquals(6, cache.length());
    }

    @Test
    void attentionIsCausal() {
        Qwen2VlModel model = new Qwen2VlModel(config());
        Parameters p = init(model, 2);
        Tensor a = model.forward(p, F, new long[][] {{2, 7, 8, 9}}, positions(4), ones(1, 4), null, null);
        Tensor b = model.forward(p, F, new long[][] {{2, 7, 8, 15}}, positions(4), ones(1, 4), null, null);
        assertArrayEquals(a.slice(1, 0, 3).toDoubleArray(), b.slice(1, 0, 3).toDoubleArray(), 1e-12);
        assertTrue(Math.abs(a.slice(1, 3, 4).sum().toScalar() - b.slice(1, 3, 4).sum().toScalar()) > 1e-9);
    }

    @Test
    void leftPaddedRowsGiveTheSameLogitsAsUnpaddedOnes() {
        Qwen2VlModel model = new Qwen2VlModel(config());
        Parameters p = init(model, 3);
        Tensor alone = model.forward(p, F, new long[][] {{2, 7, 8}}, positions(3), ones(1, 3), null, null);
        long[][] ids = {{0, 0, 2, 7, 8}, {2, 9, 10, 11, 12}};
        long[][] pos = {{0, 0, 0, 1, 2}, {0, 1, 2, 3, 4}};
        int[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
        Tensor batch = model.forward(p, F, ids, pos, mask, null, null);
        assertArrayEquals(alone.toDoubleArray(), batch.slice(0, 0, 1).slice(1, 2, 5).toDoubleArray(), 1e-10);
        assertArrayEquals(new long[] {2, 5, 20}, batch.shape());
    }

    @Test
    void imageFeaturesReplaceThePlaceholderTokens() {
        ModelConfig c = config();
        Qwen2VlModel model = new Qwen2VlModel(c);
        Parameters p = init(model, 4);
        int perImage = c.visionConfig().tokensPerImage();
        assertEquals(4, perImage); // 8 px / 2 px patches = 4x4 grid, merged 2x2 -> 2x2 tokens
        int patchLen = 3 * 2 * 2;
        int patches = 16;
        Random random = new Random(5);
        double[] px1 = new double[patches * patchLen];
        double[] px2 = new double[patches * patchLen];
        for (int i = 0; i < px1.length; i++) {
            px1[i] = random.nextGaussian();
            px2[i] = random.nextGaussian();
        }
        int[][] order = ImagePatches.order(c.visionConfig());
        Tensor img1 = model.encodeImages(p, F, F.constant(px1, 1, patches, patchLen), order);
        Tensor img2 = model.encodeImages(p, F, F.constant(px2, 1, patches, patchLen), order);
        assertArrayEquals(new long[] {1, perImage, 16}, img1.shape());
        long[] ids = {2, IMAGE, IMAGE, IMAGE, IMAGE, 7, 8};
        Tensor a = model.forward(p, F, new long[][] {ids}, positions(7), ones(1, 7), img1, null);
        Tensor b = model.forward(p, F, new long[][] {ids}, positions(7), ones(1, 7), img2, null);
        // Before the image the outputs agree; after it they depend on the pixels.
        assertArrayEquals(a.slice(1, 0, 1).toDoubleArray(), b.slice(1, 0, 1).toDoubleArray(), 1e-12);
        assertTrue(Math.abs(a.slice(1, 6, 7).sum().toScalar() - b.slice(1, 6, 7).sum().toScalar()) > 1e-9);
        assertThrows(IllegalArgumentException.class, () -> model.forward(p, F,
                new long[][] {{2, IMAGE, IMAGE, 7}}, positions(4), ones(1, 4), img1, null));
    }

    @Test
    void patchOrderIsWindowMajor() {
        int[][] order = ImagePatches.order(new ModelConfig.VisionConfig(1, 16, 2, 2, 2, 2, 8));
        assertArrayEquals(new int[] {0, 0}, order[0]);
        assertArrayEquals(new int[] {0, 1}, order[1]);
        assertArrayEquals(new int[] {1, 0}, order[2]);
        assertArrayEquals(new int[] {1, 1}, order[3]);
        assertArrayEquals(new int[] {0, 2}, order[4]);
    }

    @Test
    void tinyDefaultConfigHasOneToFiveMillionParameters() {
        ModelConfig tiny = ModelConfig.tiny(2000, 5, 3, 0);
        long count = new Qwen2VlModel(tiny).parameters().values().stream().mapToLong(ParamSpec::size).sum();
        assertTrue(count >= 1_000_000 && count <= 5_000_000, "parameters: " + count);
    }
}
