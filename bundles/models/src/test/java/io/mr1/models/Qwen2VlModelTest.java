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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The model definition checked on the double-precision reference engine. */
class Qwen2VlModelTest {

    static final TensorFactory F = DoubleTensor.FACTORY;
    static final int IMAGE = 5;

    static ModelConfig config() {
        return new ModelConfig(ModelConfig.MODEL_TYPE, 20, 16, 24, 2, 4, 2, 1e-6, 10000, 64, true, List.of(1, 0, 1),
                IMAGE, 4, 6, 3, 0, new ModelConfig.VisionConfig(1, 16, 2, 2, 2, 2, 2, 3), List.of());
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

    /** Text positions 0 .. t-1 on all three M-RoPE axes, one row. */
    static long[][][] positions(int t) {
        return positions(new long[][] {java.util.stream.LongStream.range(0, t).toArray()});
    }

    /** The same 1-D positions on all three axes, per row. */
    static long[][][] positions(long[][] rows) {
        long[][][] p = new long[rows.length][3][];
        for (int r = 0; r < rows.length; r++) {
            for (int a = 0; a < 3; a++) {
                p[r][a] = rows[r].clone();
            }
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
            Tensor step = model.forward(p, F, new long[][] {{seq[i]}}, positions(new long[][] {{i}}), ones(1, i + 1), null, cache);
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
        Tensor batch = model.forward(p, F, ids, positions(pos), mask, null, null);
        assertArrayEquals(alone.toDoubleArray(), batch.slice(0, 0, 1).slice(1, 2, 5).toDoubleArray(), 1e-10);
        assertArrayEquals(new long[] {2, 5, 20}, batch.shape());
    }

    static Tensor randomPixels(int rows, int width, long seed) {
        Random random = new Random(seed);
        double[] px = new double[rows * width];
        for (int i = 0; i < px.length; i++) {
            px[i] = random.nextGaussian();
        }
        return F.constant(px, rows, width);
    }

    @Test
    void imageFeaturesReplaceThePlaceholderTokens() {
        ModelConfig c = config();
        Qwen2VlModel model = new Qwen2VlModel(c);
        Parameters p = init(model, 4);
        int width = c.visionConfig().patchValues();
        assertEquals(24, width); // 3 channels x 2 frames x 2 x 2
        List<int[]> grid = List.<int[]>of(new int[] {1, 4, 4}); // 16 patches, merged 2x2 -> 4 tokens
        Tensor img1 = model.encodeImages(p, F, randomPixels(16, width, 5), grid);
        Tensor img2 = model.encodeImages(p, F, randomPixels(16, width, 6), grid);
        assertArrayEquals(new long[] {4, 16}, img1.shape());
        long[] ids = {2, IMAGE, IMAGE, IMAGE, IMAGE, 7, 8};
        long[][][] pos = {MropePositions.of(ids, IMAGE, 2, grid).ids()};
        Tensor a = model.forward(p, F, new long[][] {ids}, pos, ones(1, 7), img1, null);
        Tensor b = model.forward(p, F, new long[][] {ids}, pos, ones(1, 7), img2, null);
        // Before the image the outputs agree; after it they depend on the pixels.
        assertArrayEquals(a.slice(1, 0, 1).toDoubleArray(), b.slice(1, 0, 1).toDoubleArray(), 1e-12);
        assertTrue(Math.abs(a.slice(1, 6, 7).sum().toScalar() - b.slice(1, 6, 7).sum().toScalar()) > 1e-9);
        assertThrows(IllegalArgumentException.class, () -> model.forward(p, F,
                new long[][] {{2, IMAGE, IMAGE, 7}}, positions(4), ones(1, 4), img1, null));
    }

    @Test
    void imagesInOneBatchStaySeparateWhateverTheirGrids() {
        ModelConfig c = config();
        Qwen2VlModel model = new Qwen2VlModel(c);
        Parameters p = init(model, 7);
        int width = c.visionConfig().patchValues();
        int[] wide = {1, 2, 4};
        int[] square = {1, 4, 4};
        Tensor a = randomPixels(8, width, 1);
        Tensor b = randomPixels(16, width, 2);
        Tensor c2 = randomPixels(8, width, 3);
        Tensor alone = model.encodeImages(p, F, b, List.of(square));
        Tensor together = model.encodeImages(p, F, F.concat(List.of(a, b, c2), 0), List.of(wide, square, wide));
        assertArrayEquals(new long[] {2 + 4 + 2, 16}, together.shape());
        assertArrayEquals(alone.toDoubleArray(), together.slice(0, 2, 6).toDoubleArray(), 1e-12);
        assertArrayEquals(model.encodeImages(p, F, c2, List.of(wide)).toDoubleArray(),
                together.slice(0, 6, 8).toDoubleArray(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> model.encodeImages(p, F, b, List.of(wide)));
    }

    @Test
    void mropePositionsFollowTheImageGrid() {
        long[] ids = {1, 2, IMAGE, IMAGE, IMAGE, IMAGE, IMAGE, IMAGE, 8, 9};
        MropePositions pos = MropePositions.of(ids, IMAGE, 2, List.<int[]>of(new int[] {1, 4, 6}));
        assertArrayEquals(new long[] {0, 1, 2, 2, 2, 2, 2, 2, 5, 6}, pos.ids()[0]);
        assertArrayEquals(new long[] {0, 1, 2, 2, 2, 3, 3, 3, 5, 6}, pos.ids()[1]);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 2, 3, 4, 5, 6}, pos.ids()[2]);
        assertEquals(7, pos.next());
        assertEquals(-3, pos.ropeDelta());
        assertThrows(IllegalArgumentException.class, () -> MropePositions.of(ids, IMAGE, 2, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> MropePositions.of(ids, IMAGE, 2, List.<int[]>of(new int[] {1, 4, 4})));
    }

    @Test
    void tinyDefaultConfigHasOneToFiveMillionParameters() {
        ModelConfig tiny = ModelConfig.tiny(WordLevelTokenizerJson.vocabulary(
                java.util.stream.IntStream.range(0, 2000).mapToObj(Integer::toString).toList()));
        long count = new Qwen2VlModel(tiny).parameters().values().stream().mapToLong(ParamSpec::size).sum();
        assertTrue(count >= 1_000_000 && count <= 5_000_000, "parameters: " + count);
    }
}
