package io.mr1.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import io.mr1.policy.EnginePolicy;
import io.mr1.policy.TensorEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training in bfloat16: float32 master weights keep updates of the paper's learning rate (1e-6)
 * that bfloat16 itself would round away, a resumed run continues bit for bit from the masters in
 * the optimiser state, and a saved bfloat16 model reloads with identical log-probs.
 */
class TorchBfloat16TrainingTest {

    /** The paper's rate: 1e-6, constant, no decay, clipping at 1. */
    static final OptimizerSettings PAPER = new OptimizerSettings(1e-6, 0.0, 0.9, 0.999, 1e-8, 1.0, 0, 100,
            OptimizerSettings.Decay.CONSTANT);
    static final Prompt PROMPT = Prompt.text("a", "how many items are there ?");

    /**
     * Two SFT targets: at even steps in two micro-batches (the bfloat16 gradients summed in
     * float32), at odd steps in one pass (the gradient stays in bfloat16 until AdamW widens it).
     */
    static void step(Policy policy, long step) {
        Completion target = policy.encodeTarget("a", "<think> count </think> <answer> 3 </answer>");
        Completion other = policy.encodeTarget("a", "<answer> 4 </answer>");
        policy.step(new TrainingBatch(List.of(PROMPT, PROMPT), List.of(target, other), new double[] {0, 0},
                List.of(), List.of(), step % 2 == 0 ? 1 : 0), new PolicyLoss.Sft(), PAPER, step);
    }

    static Map<String, float[]> parameters(Policy policy, String prefix) {
        TensorEngine engine = ((EnginePolicy) policy).engine();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : names(policy)) {
            if (engine.contains(prefix + name)) {
                out.put(name, engine.read(prefix + name));
            }
        }
        return out;
    }

    static List<String> names(Policy policy) {
        return new ArrayList<>(new io.mr1.models.Qwen2VlModel(((EnginePolicy) policy).config()).parameters().keySet());
    }

    /** Float to the nearest bfloat16 (ties to even), as a float: what torch's {@code .to(torch.bfloat16)} gives. */
    static float round(float value) {
        int bits = Float.floatToRawIntBits(value);
        return Float.intBitsToFloat(((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16);
    }

    @Test
    void aBfloat16RunAtTheRateOfThePaperChangesWeightsThroughFloat32Masters(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 5);
        try (Policy policy = new TorchBackend().load(model, model, "cpu", "bfloat16", "bfloat16")) {
            TensorEngine engine = ((EnginePolicy) policy).engine();
            Map<String, float[]> start = parameters(policy, "");
            step(policy, 0);
            Map<String, float[]> mastersAfterOne = parameters(policy, "master.");
            step(policy, 1);
            Map<String, float[]> masters = parameters(policy, "master.");
            Map<String, float[]> after = parameters(policy, "");
            // Text-only prompts: the vision tower gets no gradient, so (as PyTorch's optimisers) no state.
            assertTrue(masters.keySet().containsAll(start.keySet().stream().filter(n -> n.startsWith("model."))
                    .toList()), "every decoder parameter has a float32 master: " + masters.keySet());
            long mastersMoved = 0;
            long weightsChanged = 0;
            long large = 0;
            long plainWouldChange = 0;
            for (String name : masters.keySet()) {
                assertEquals("bfloat16", engine.dtype(name));
                assertEquals("float32", engine.dtype("master." + name));
                float[] w0 = start.get(name);
                float[] m1 = mastersAfterOne.get(name);
                float[] m2 = masters.get(name);
                float[] w2 = after.get(name);
                for (int i = 0; i < w0.length; i++) {
                    assertTrue(w2[i] == round(m2[i]),
                            name + "[" + i + "] is not its master rounded to nearest even");
                    if (m2[i] != w0[i]) {
                        mastersMoved++;
                    }
                    if (w2[i] != w0[i]) {
                        weightsChanged++;
                    }
                    // The same second update applied to the bfloat16 weight itself, rounded as a bfloat16 step would be.
                    double update = (double) m2[i] - m1[i];
                    if (Math.abs(w0[i]) >= 0x1p-6 && update != 0) {
                        large++;
                        if (round((float) (w0[i] + update)) != w0[i]) {
                            plainWouldChange++;
                        }
                    }
                }
            }
            System.out.printf("bfloat16 at lr 1e-6, two steps: %d masters moved, %d bfloat16 weights changed; of %d"
                    + " updates to weights of size >= 2^-6, a plain bfloat16 update would change %d%n", mastersMoved,
                    weightsChanged, large, plainWouldChange);
            assertTrue(mastersMoved > 1000, "masters moved: " + mastersMoved);
            assertTrue(weightsChanged > 0, "small weights (zero biases) change in bfloat16 too");
            assertTrue(large > 1000, "updates to weights of size >= 2^-6: " + large);
            assertEquals(0, plainWouldChange, "a plain bfloat16 update at lr 1e-6 rounds back at size >= 2^-6");
            // The float32 gradient sums are not the moments' business: moments are float32 too.
            assertEquals("float32", engine.dtype("m." + start.keySet().iterator().next()));
        }
    }

    @Test
    void aResumedBfloat16RunContinuesBitForBitAndReloadsWithIdenticalLogProbs(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 6);
        Path saved = tmp.resolve("saved");
        TorchBackend backend = new TorchBackend();
        Map<String, float[]> straight;
        Map<String, float[]> straightMasters;
        Completion probe;
        List<float[]> before;
        try (Policy policy = backend.load(model, model, "cpu", "bfloat16", "bfloat16")) {
            step(policy, 0);
            step(policy, 1);
            policy.save(saved, true);
            probe = policy.sample(List.of(PROMPT), new SamplingParams(1, 1.0, 1.0, 0, 6, 9)).get(0).get(0);
            before = policy.logProbs(List.of(PROMPT), List.of(probe));
            step(policy, 2);
            straight = parameters(policy, "");
            straightMasters = parameters(policy, "master.");
        }
        var optimizer = SafeTensors.read(saved.resolve(Checkpoints.OPTIMIZER));
        assertTrue(optimizer.keySet().stream().anyMatch(k -> k.startsWith("master.")), "masters in the optimiser state");
        // The model folder keeps the input's dtype (F32 here): the bfloat16 values widened exactly.
        var header = SafeTensors.read(saved.resolve(Checkpoints.WEIGHTS));
        for (var e : header.entrySet()) {
            for (float v : e.getValue().data()) {
                assertTrue((Float.floatToRawIntBits(v) & 0xffff) == 0, e.getKey() + " holds a non-bfloat16 value " + v);
            }
        }
        try (Policy resumed = backend.load(saved, model, "cpu", "bfloat16", "bfloat16")) {
            assertArrayEquals(before.get(0), resumed.logProbs(List.of(PROMPT), List.of(probe)).get(0), 0f,
                    "reloaded bfloat16 model: identical log-probs");
            step(resumed, 2);
            Map<String, float[]> continued = parameters(resumed, "");
            Map<String, float[]> continuedMasters = parameters(resumed, "master.");
            for (String name : straight.keySet()) {
                assertArrayEquals(straight.get(name), continued.get(name), 0f, name + ": resumed weights");
                assertArrayEquals(straightMasters.get(name), continuedMasters.get(name), 0f, name + ": resumed master");
            }
        }
        assertTrue(Files.isRegularFile(saved.resolve(Checkpoints.OPTIMIZER_STATE)));
    }

    /** model.reference_dtype apart from model.dtype: each side scores in its own dtype, within bfloat16 rounding. */
    @Test
    void aBfloat16ReferenceBesideAFloat32PolicyScoresInBfloat16(@TempDir Path tmp) throws Exception {
        Path model = TinyFixture.create(tmp.resolve("m"), 7);
        try (Policy policy = new TorchBackend().load(model, model, "cpu", "float32", "bfloat16")) {
            TensorEngine engine = ((EnginePolicy) policy).engine();
            assertEquals("float32", engine.dtype("model.norm.weight"));
            assertEquals("bfloat16", engine.dtype("ref.model.norm.weight"));
            Completion probe = policy.sample(List.of(PROMPT), new SamplingParams(1, 1.0, 1.0, 0, 6, 3)).get(0).get(0);
            float[] own = policy.logProbs(List.of(PROMPT), List.of(probe)).get(0);
            float[] reference = policy.referenceLogProbs(List.of(PROMPT), List.of(probe)).get(0);
            double largest = 0;
            boolean differ = false;
            for (int i = 0; i < own.length; i++) {
                largest = Math.max(largest, Math.abs(own[i] - reference[i]));
                differ |= own[i] != reference[i];
            }
            assertTrue(differ, "the reference computes in bfloat16, not in float32");
            assertTrue(largest < 0.05, "same weights, bfloat16 rounding only: " + largest);
            step(policy, 0); // the trained side stays float32: no master copies
            assertTrue(!engine.contains("master.model.norm.weight"));
        }
    }
}
