package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints keep their dtype through load, training and save, and a saved checkpoint reloads
 * with identical log-probs: an F32 folder, and the same folder stored as BF16 (streamed from
 * the mapped file and widened inside libtorch) and sharded.
 */
class TorchCheckpointDtypeTest {

    private static final Prompt PROMPT = Prompt.text("a", "how many items are there ?");

    /** The folder with its weights rewritten in another dtype, in shards of at most maxShard bytes. */
    private static Path convert(Path from, Path to, String dtype, long maxShard) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".safetensors") && !file.equals(Checkpoints.INDEX)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(from);
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        weights.forEach((name, e) -> layout.put(name, new SafeTensors.TensorInfo(dtype, e.shape())));
        Checkpoints.writeWeights(to, layout, name -> weights.get(name).data(), maxShard);
        return to;
    }

    private static float[] logProbs(Policy policy, Completion c) {
        return policy.logProbs(List.of(PROMPT), List.of(c)).get(0);
    }

    @Test
    void bf16AndF32CheckpointsKeepTheirDtypeAndReloadWithIdenticalLogProbs(@TempDir Path tmp) throws Exception {
        Path f32 = TinyFixture.create(tmp.resolve("f32"), 7);
        Path bf16 = convert(f32, tmp.resolve("bf16"), "BF16", 50_000);
        assertTrue(Files.isRegularFile(bf16.resolve(Checkpoints.INDEX)), "sharded");
        Path widened = convert(bf16, tmp.resolve("widened"), "F32", Checkpoints.MAX_SHARD_BYTES);
        Completion c;
        float[] fromBf16;
        try (Policy policy = new TorchBackend().load(bf16, "cpu")) {
            c = policy.encodeTarget("a", "<think> count </think> <answer> 3 </answer>");
            fromBf16 = logProbs(policy, c);
            policy.save(tmp.resolve("bf16-saved"), false);
            for (int step = 0; step < 2; step++) {
                policy.step(new TrainingBatch(List.of(PROMPT), List.of(c), new double[] {0}, List.of(), List.of()),
                        new PolicyLoss.Sft(), TorchTrainingTest.ADAM, step);
            }
            policy.save(tmp.resolve("bf16-trained"), true);
        }
        try (Policy policy = new TorchBackend().load(widened, "cpu")) {
            assertArrayEquals(logProbs(policy, c), fromBf16, "BF16 widened in libtorch equals BF16 widened in Java");
        }
        // Saved untrained, the BF16 bytes come back unchanged (the float32 values are exact in BF16).
        Map<String, SafeTensors.Entry> original = Checkpoints.readWeights(bf16);
        Map<String, SafeTensors.Entry> resaved = Checkpoints.readWeights(tmp.resolve("bf16-saved"));
        original.forEach((name, e) -> assertArrayEquals(e.data(), resaved.get(name).data(), name));
        Checkpoints.describeWeights(tmp.resolve("bf16-saved")).forEach((name, info) ->
                assertEquals("BF16", info.dtype(), name));
        Path trained = tmp.resolve("bf16-trained");
        Checkpoints.describeWeights(trained).forEach((name, info) -> assertEquals("BF16", info.dtype(), name));
        assertFalse(diffOf(original, Checkpoints.readWeights(trained)).isEmpty(), "training changed the weights");
        // A trained BF16 checkpoint reloads with identical log-probs, and saves again to the same values.
        float[] reloaded;
        try (Policy policy = new TorchBackend().load(trained, "cpu")) {
            reloaded = logProbs(policy, c);
            policy.save(tmp.resolve("again"), false);
        }
        try (Policy policy = new TorchBackend().load(tmp.resolve("again"), "cpu")) {
            assertArrayEquals(reloaded, logProbs(policy, c));
        }

        // F32: trained in memory, saved, reloaded: the same log-probs bit for bit.
        try (Policy policy = new TorchBackend().load(f32, "cpu")) {
            policy.step(new TrainingBatch(List.of(PROMPT), List.of(c), new double[] {0}, List.of(), List.of()),
                    new PolicyLoss.Sft(), TorchTrainingTest.ADAM, 0);
            float[] inMemory = logProbs(policy, c);
            policy.save(tmp.resolve("f32-trained"), false);
            Checkpoints.describeWeights(tmp.resolve("f32-trained")).forEach((name, info) ->
                    assertEquals("F32", info.dtype(), name));
            try (Policy again = new TorchBackend().load(tmp.resolve("f32-trained"), "cpu")) {
                assertArrayEquals(inMemory, logProbs(again, c));
            }
        }
    }

    /**
     * A float32 run from a BF16 folder: its checkpoints store the weights as BF16 (rounded), so
     * without their exact values in the optimiser state a resumed run restarted from rounded
     * weights, losing every update below bfloat16's spacing (at lr 1e-6, nearly all of them).
     */
    @Test
    void aFloat32RunFromABf16FolderResumesBitForBit(@TempDir Path tmp) throws Exception {
        Path bf16 = convert(TinyFixture.create(tmp.resolve("f32"), 8), tmp.resolve("bf16"), "BF16",
                Checkpoints.MAX_SHARD_BYTES);
        Path saved = tmp.resolve("saved");
        TorchBackend backend = new TorchBackend();
        Map<String, float[]> straight;
        try (Policy policy = backend.load(bf16, bf16, "cpu", "float32", "float32")) {
            TorchBfloat16TrainingTest.step(policy, 0);
            TorchBfloat16TrainingTest.step(policy, 1);
            policy.save(saved, true);
            TorchBfloat16TrainingTest.step(policy, 2);
            straight = TorchBfloat16TrainingTest.parameters(policy, "");
        }
        Checkpoints.describeWeights(saved).forEach((name, info) -> assertEquals("BF16", info.dtype(), name));
        try (Policy resumed = backend.load(saved, bf16, "cpu", "float32", "float32")) {
            TorchBfloat16TrainingTest.step(resumed, 2);
            Map<String, float[]> continued = TorchBfloat16TrainingTest.parameters(resumed, "");
            for (String name : straight.keySet()) {
                assertArrayEquals(straight.get(name), continued.get(name), 0f, name + ": resumed weights");
            }
        }
        // Loaded as its own reference (mr1 eval), the folder is what it stores: BF16 values.
        try (Policy evaluated = backend.load(saved, "cpu")) {
            for (float[] values : TorchBfloat16TrainingTest.parameters(evaluated, "").values()) {
                for (float v : values) {
                    assertEquals(0, Float.floatToRawIntBits(v) & 0xffff, "a BF16 value: " + v);
                }
            }
        }
    }

    private static Map<String, Integer> diffOf(Map<String, SafeTensors.Entry> a, Map<String, SafeTensors.Entry> b) {
        Map<String, Integer> changed = new LinkedHashMap<>();
        a.forEach((name, e) -> {
            if (!java.util.Arrays.equals(e.data(), b.get(name).data())) {
                changed.put(name, 1);
            }
        });
        return changed;
    }
}
