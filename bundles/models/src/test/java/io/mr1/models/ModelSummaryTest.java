package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Header-only summaries: the exact parameter count for single-file and sharded folders, and the memory estimate. */
class ModelSummaryTest {

    @Test
    void parameterCountIsTheSumOfTensorSizesSingleOrSharded(@TempDir Path tmp) throws Exception {
        ModelSummary single = ModelSummary.read(HfFixture.CHECKPOINT);
        assertEquals(450_384, single.parameters(), "the fixture README's count");
        assertEquals(Map.of("F32", 58), single.dtypes());
        assertTrue(single.problems().isEmpty(), single.problems().toString());

        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG), sharded.resolve(Checkpoints.CONFIG));
        Checkpoints.writeWeights(sharded, Checkpoints.readWeights(HfFixture.CHECKPOINT), 400_000);
        ModelSummary shards = ModelSummary.read(sharded);
        assertTrue(shards.files().size() > 2, shards.files().toString());
        assertEquals(450_384, shards.parameters());
        assertEquals(single.tensors().keySet(), shards.tensors().keySet());

        // A tensor the config does not imply is named with both shapes.
        Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(HfFixture.CHECKPOINT);
        weights.put("model.norm.weight", new SafeTensors.Entry(new long[] {95}, new float[95]));
        weights.remove("lm_head.weight");
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG), bad.resolve(Checkpoints.CONFIG));
        SafeTensors.write(bad.resolve(Checkpoints.WEIGHTS), weights);
        List<String> problems = ModelSummary.read(bad).problems();
        assertTrue(problems.contains("missing tensor lm_head.weight"), problems.toString());
        assertTrue(problems.contains("tensor model.norm.weight has shape [95], config.json implies [96]"),
                problems.toString());
    }

    @Test
    void memoryEstimateAddsThePersistentPartAndTheLargestPhase(@TempDir Path tmp) throws Exception {
        ModelConfig c = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        MemoryEstimate m = MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 100, 0);
        assertEquals(4000 + 4000 + 8000 + 4000, m.persistent());
        // K and V, 3 layers, 2 KV heads of 24 dims, float32: 16 rows of 100 tokens, and the 2 prompts'
        // shared cache (64 text tokens when only the total length is given).
        assertEquals((16L * 100 + 2 * 64) * 2 * 3 * 2 * 24 * 4, m.kvCache());
        assertEquals(m.kvCache(), MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 64, 36, 0).kvCache());
        assertEquals(0, m.visionActivations());
        assertEquals(m.persistent() + Math.max(Math.max(m.sampling(), m.scoring()), m.training()), m.peak());
        MemoryEstimate half = MemoryEstimate.of(c, 1000, 4, 2, 8, 8, 100, 0);
        assertEquals(m.activations(), 2 * half.activations(), "activations scale with the micro-batch");
        // Scoring holds the completion positions' logits twice (here the 16 rows fit one chunk):
        // longer completions, more logits.
        MemoryEstimate longer = MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 64, 136, 0);
        assertTrue(longer.scoring() - m.scoring() >= 2L * 16 * 100 * c.vocabSize() * 4);
        // Past one chunk (Qwen2VlModel.LOGITS_CHUNK_VALUES: one 256-token row of a 151936-row vocabulary)
        // the logits are counted once per chunk, not per row: 16 rows hold far less than 16 rows' logits.
        ModelConfig wide = ModelConfig.read(KnownConfigs.write(tmp, KnownConfigs.QWEN2_VL_2B_INSTRUCT));
        long rowLogits = 2L * 256 * 151936 * 4;
        long scoring16 = MemoryEstimate.of(wide, 1000, 4, 2, 8, 16, 64, 256, 0).scoring();
        assertTrue(scoring16 >= rowLogits && scoring16 < 16 * rowLogits / 2, scoring16 + " vs " + rowLogits);
        MemoryEstimate images = MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 100, 1564);
        assertTrue(images.visionActivations() > 0);
        assertEquals(Math.max(images.promptVision(), images.kvCache() + images.promptLogits()), images.sampling());
        assertEquals(images.promptVision() / 2, MemoryEstimate.of(c, 1000, 4, 1, 8, 16, 100, 1564).promptVision());
        // Encoding without gradient holds one vision block; a training pass keeps them all.
        ModelConfig.VisionConfig v = c.visionConfig();
        ModelConfig deep = c.withVision(new ModelConfig.VisionConfig(32, v.embedDim(), v.numHeads(), v.mlpRatio(),
                v.patchSize(), v.temporalPatchSize(), v.spatialMergeSize(), v.inChannels()));
        assertTrue(MemoryEstimate.of(deep, 1000, 4, 1, 8, 1, 100, 1564).promptVision() * 8
                < MemoryEstimate.of(deep, 1000, 4, 1, 8, 1, 100, 1564).visionActivations());
    }

    @Test
    void bfloat16PassesCountTwoByteActivationsBesideFloat32ScoresAndHoldAtAnyDepth(@TempDir Path tmp)
            throws Exception {
        ModelConfig c = ModelConfig.read(KnownConfigs.write(tmp, KnownConfigs.QWEN2_VL_2B_INSTRUCT));
        ModelConfig.VisionConfig v = c.visionConfig();
        MemoryEstimate f32 = MemoryEstimate.of(c, 1000, "float32", "float32", 1, 1, 1, 1564 / 4 + 128, 1564);
        MemoryEstimate bf16 = MemoryEstimate.of(c, 1000, "bfloat16", "bfloat16", 1, 1, 1, 1564 / 4 + 128, 1564);
        // Encoding a 1564-patch image: the scores and probabilities at 4 B in both dtypes (float32 softmax),
        // the rest of a block, its input and output, the patch embedding and the patch rows at 4 B or 2 B.
        long e = v.embedDim();
        long scores = 2L * v.numHeads() * 1564 * 1564 * 4;
        long rest = 1564L * ((22 + 4L * v.mlpRatio()) * e + 3 * e + v.patchValues());
        assertEquals(scores + 4 * rest, f32.promptVision());
        assertEquals(scores + 2 * rest, bf16.promptVision());
        assertEquals(0.604, f32.promptVision() / 1073741824.0, 0.001); // measured 0.581 (RealSizeBenchmark)
        assertEquals(0.447, bf16.promptVision() / 1073741824.0, 0.001); // measured 0.414
        // The KV cache in the keys' dtype; training activations stay counted in float32.
        assertEquals(f32.kvCache(), 2 * bf16.kvCache());
        assertEquals(f32.activations(), bf16.activations());
        // Blocks and layers release their inputs: no pass without gradient grows with depth.
        ModelConfig deep = c.withVision(new ModelConfig.VisionConfig(64, v.embedDim(), v.numHeads(), v.mlpRatio(),
                v.patchSize(), v.temporalPatchSize(), v.spatialMergeSize(), v.inChannels()));
        assertEquals(bf16.promptVision(),
                MemoryEstimate.of(deep, 1000, "bfloat16", "bfloat16", 1, 1, 1, 1564 / 4 + 128, 1564).promptVision());
    }

    @Test
    void torchDtypeNamesMapBothWays() {
        for (String[] pair : new String[][] {{"F32", "float32"}, {"BF16", "bfloat16"}, {"F16", "float16"}}) {
            assertEquals(pair[1], ModelConfig.torchDtype(pair[0]));
            assertEquals(pair[0], ModelConfig.safetensorsDtype(pair[1]));
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.safetensorsDtype("float64"));
        assertTrue(e.getMessage().contains("torch_dtype float64 is not one of bfloat16, float16, float32"), e.getMessage());
    }
}
