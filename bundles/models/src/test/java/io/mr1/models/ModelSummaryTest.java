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
    void memoryEstimateAddsThePersistentPartAndTheLargerPhase() throws Exception {
        ModelConfig c = ModelConfig.read(HfFixture.CHECKPOINT.resolve(Checkpoints.CONFIG));
        MemoryEstimate m = MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 100, 0);
        assertEquals(4000 + 4000 + 8000 + 4000, m.persistent());
        // K and V, 3 layers, 16 rows, 100 tokens, 2 KV heads of 24 dims, float32.
        assertEquals(2L * 3 * 16 * 100 * 2 * 24 * 4, m.kvCache());
        assertEquals(0, m.visionActivations());
        assertEquals(m.persistent() + Math.max(m.sampling(), m.training()), m.peak());
        MemoryEstimate half = MemoryEstimate.of(c, 1000, 4, 2, 8, 8, 100, 0);
        assertEquals(m.activations(), 2 * half.activations(), "activations scale with the micro-batch");
        MemoryEstimate images = MemoryEstimate.of(c, 1000, 4, 2, 8, 16, 100, 1564);
        assertTrue(images.visionActivations() > 0);
        // Sampling encodes the B = 2 prompts' images; the training pass the micro-batch's (at most B).
        assertEquals(images.visionActivations(), images.promptVision());
        assertEquals(images.kvCache() + images.promptLogits() + images.promptVision(), images.sampling());
        assertEquals(images.promptVision() / 2, MemoryEstimate.of(c, 1000, 4, 1, 8, 16, 100, 1564).promptVision());
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
