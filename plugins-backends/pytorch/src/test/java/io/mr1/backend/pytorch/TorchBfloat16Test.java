package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.mr1.models.Checkpoints;
import io.mr1.models.HfEngineParity;
import io.mr1.models.HfFixture;
import io.mr1.models.KvCache;
import io.mr1.models.SafeTensors;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * bfloat16 compute on libtorch: the forward stays in bfloat16 (no silent float32 promotion),
 * log-probs come out in float32, and bfloat16 logits of the shared Hugging Face fixture stay
 * within bfloat16's rounding of the float32 ones.
 */
class TorchBfloat16Test {

    /** The fixture's weights held in a dtype, loaded from the mapped file as a policy loads them. */
    static DjlEngine engine(String dtype) throws Exception {
        DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"));
        SafeTensors.stream(HfFixture.CHECKPOINT.resolve(Checkpoints.WEIGHTS),
                (name, info, bytes) -> engine.create(name, bytes, info.dtype(), info.shape(), false, dtype));
        return engine;
    }

    @Test
    void aBfloat16ForwardComputesInBfloat16AndGivesFloat32LogProbs() throws Exception {
        HfEngineParity.Case c = HfEngineParity.Case.read(HfEngineParity.CASES.get(0)[0], HfEngineParity.CASES.get(0)[1]);
        try (DjlEngine engine = engine("bfloat16")) {
            assertEquals("bfloat16", engine.dtype("model.embed_tokens.weight"));
            Parameters p = engine::variable;
            engine.scoped(() -> {
                Tensor features = c.features(p, engine.tensors());
                Tensor logits = c.logits(p, engine.tensors(), features, null);
                // A float32 constant (rotary table, mask, pixels) met by a bfloat16 activation would
                // promote the residual stream to float32 for good, and libtorch's addmm refuses mixed
                // operands: bfloat16 logits mean every matmul ran in bfloat16.
                assertTrue(Bfloat16.is(((DjlTensor) features).array), "image features are bfloat16");
                assertTrue(Bfloat16.is(((DjlTensor) logits).array), "logits are bfloat16");
                Tensor logp = logits.logSoftmax(-1);
                assertFalse(Bfloat16.is(((DjlTensor) logp).array), "log-probs are float32");
                assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, ((DjlTensor) logp).array.getDataType());
                return null;
            });
        }
    }

    /**
     * bfloat16 against float32 on both fixture cases. Tolerance: bfloat16 keeps 8 significant bits,
     * so every rounded activation and weight carries a relative error up to 2^-9 (0.2%); through 3
     * decoder layers and the vision tower the errors add up to about 1% of the logits' size. The
     * bound is 4% of the largest float32 logit (measured: see the printed figures), tight enough to
     * fail on a wrong op (a missing norm or a swapped rotary half moves logits by their own size).
     */
    @Test
    void bfloat16LogitsStayWithinBfloat16RoundingOfFloat32() throws Exception {
        try (DjlEngine wide = engine("float32"); DjlEngine narrow = engine("bfloat16")) {
            for (String[] names : HfEngineParity.CASES) {
                HfEngineParity.Case c = HfEngineParity.Case.read(names[0], names[1]);
                double[][] full = new double[2][];
                long[][] greedy = new long[2][];
                int k = 0;
                for (DjlEngine engine : new DjlEngine[] {wide, narrow}) {
                    Parameters p = engine::variable;
                    int index = k++;
                    engine.scoped(() -> {
                        Tensor features = c.features(p, engine.tensors());
                        KvCache cache = new KvCache(c.config().numHiddenLayers());
                        Tensor logits = c.logits(p, engine.tensors(), features, cache);
                        full[index] = logits.toDoubleArray();
                        greedy[index] = greedy(c, p, engine, logits, cache, 8);
                        return null;
                    });
                }
                double maxLogit = java.util.Arrays.stream(full[0]).map(Math::abs).max().orElseThrow();
                double diff = HfFixture.maxAbsDiff(full[0], full[1]);
                double expected = HfFixture.maxAbsDiff(HfFixture.doubles(c.fixture().get("logits")), full[1]);
                int same = 0;
                while (same < greedy[0].length && greedy[0][same] == greedy[1][same]) {
                    same++;
                }
                System.out.printf("%s bfloat16 vs float32: logits max abs diff %.4g (largest logit %.4g, %.2f%%),"
                        + " vs transformers float32 %.4g; greedy tokens agree for the first %d of %d (f32 %s, bf16 %s)%n",
                        names[0], diff, maxLogit, 100 * diff / maxLogit, expected, same, greedy[0].length,
                        java.util.Arrays.toString(greedy[0]), java.util.Arrays.toString(greedy[1]));
                assertTrue(diff <= 0.04 * maxLogit, names[0] + ": bfloat16 logits off by " + diff);
                assertEquals(greedy[0][0], greedy[1][0], names[0] + ": the first greedy token");
            }
        }
    }

    /** Greedy decoding with the KV cache from the prompt's logits (as the fixture's generate). */
    static long[] greedy(HfEngineParity.Case c, Parameters p, DjlEngine engine, Tensor logits, KvCache cache,
                                 int steps) {
        int t = c.ids().length;
        Tensor last = logits.slice(1, t - 1, t);
        long[] tokens = new long[steps];
        for (int step = 0; step < steps; step++) {
            tokens[step] = HfFixture.argmax(last.toDoubleArray());
            long position = cache.length() + c.positions().ropeDelta();
            last = c.model().forward(p, engine.tensors(), new long[][] {{tokens[step]}},
                    new long[][][] {{{position}, {position}, {position}}},
                    new int[][] {HfFixture.ones((int) cache.length() + 1)}, null, cache);
        }
        return tokens;
    }

    @Test
    void bfloat16WeightsLoadWithoutWideningAndRoundToNearestEven() throws Exception {
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            // 1 + 2^-8 is a tie: to even gives 1; 1 + 3 * 2^-8 rounds up to 1 + 2^-6; -0.02 to -0.0200195...
            float[] values = {1.00390625f, 1.01171875f, -0.02f, 0f};
            java.nio.ByteBuffer f32 = java.nio.ByteBuffer.allocateDirect(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                f32.putFloat(v);
            }
            engine.create("a", f32.flip(), "F32", new long[] {4}, false, "bfloat16");
            assertArrayEquals(new float[] {1f, 1.015625f, -0.020019531f, 0f}, engine.read("a"));
            java.nio.ByteBuffer bf16 = java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bf16.putShort((short) 0x3f81).putShort((short) 0xbc00).flip(); // 1.0078125, -2^-7
            engine.create("b", bf16, "BF16", new long[] {2}, true, "bfloat16");
            // The engine owns a copy: the checkpoint's bytes are unmapped after loading.
            bf16.putShort(0, (short) 0x7fc0).putShort(2, (short) 0x7fc0);
            assertEquals("bfloat16", engine.dtype("b"));
            assertArrayEquals(new float[] {1.0078125f, -0.0078125f}, engine.read("b"));
            // Streamed back as BF16: the same two bytes each.
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            engine.write("b", "BF16", out);
            assertArrayEquals(new byte[] {(byte) 0x81, 0x3f, 0x00, (byte) 0xbc}, out.toByteArray());
        }
    }

    /**
     * Saving streams a variable in chunks of {@link DjlEngine#CHUNK} values from the engine's own
     * dtype: a tensor of more than one chunk, held in float32 and in bfloat16, written as F32 and
     * BF16, equals the whole-tensor conversion byte for byte.
     */
    @Test
    void writingStreamsChunksThatEqualTheWholeTensorsConversion() throws Exception {
        int n = DjlEngine.CHUNK + 1000;
        float[] values = new float[n];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        java.nio.ByteBuffer f32 = java.nio.ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        f32.asFloatBuffer().put(values);
        try (DjlEngine engine = new DjlEngine(NDManager.newBaseManager(Device.cpu(), "PyTorch"))) {
            engine.create("wide", values, new long[] {n}, false);
            engine.create("narrow", f32, "F32", new long[] {n}, false, "bfloat16");
            for (String name : new String[] {"wide", "narrow"}) {
                float[] held = engine.read(name);
                for (String dtype : new String[] {"F32", "BF16"}) {
                    java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
                    engine.write(name, dtype, streamed);
                    java.nio.ByteBuffer whole = java.nio.ByteBuffer.allocate(n * (dtype.equals("F32") ? 4 : 2));
                    SafeTensors.encode(held, 0, n, dtype, whole);
                    assertArrayEquals(whole.array(), streamed.toByteArray(), name + " as " + dtype);
                }
            }
        }
    }
}
