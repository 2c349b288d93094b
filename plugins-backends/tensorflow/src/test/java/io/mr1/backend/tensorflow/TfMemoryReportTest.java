package io.mr1.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the TensorFlow engine keeps a model: Java heap (used, after a full GC) and resident
 * memory after loading a checkpoint, after each of a few GRPO-D steps and after two sampling
 * calls (2 prompts, G = 8, 64 new tokens: the compiled decoding graphs) (parameters, frozen reference,
 * AdamW moments, gradients). A measurement, run on request: {@code -Dmr1.tfMemory=true}, with
 * {@code -Dmr1.tfMemory.size=30m|100m|tiny} (default 30m) and {@code -Dmr1.tfMemory.dtype=F32|BF16}
 * (the checkpoint's stored dtype, default BF16). It fails when the heap grows by more than a
 * quarter of the float32 weights' size: the variables belong in TF's native memory.
 */
@EnabledIfSystemProperty(named = "mr1.tfMemory", matches = "true")
class TfMemoryReportTest {

    private static final PolicyLoss.Grpo LOSS = BenchmarkBatch.LOSS;
    private static final OptimizerSettings ADAM = BenchmarkBatch.ADAM;

    @Test
    void heapAndResidentMemory(@TempDir Path tmp) throws Exception {
        String size = System.getProperty("mr1.tfMemory.size", "30m");
        String dtype = System.getProperty("mr1.tfMemory.dtype", "BF16");
        Path model = BenchmarkBatch.model(size, tmp);
        long floatBytes = 0;
        {
            Map<String, SafeTensors.Entry> weights = Checkpoints.readWeights(model);
            Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
            for (Map.Entry<String, SafeTensors.Entry> e : weights.entrySet()) {
                layout.put(e.getKey(), new SafeTensors.TensorInfo(dtype, e.getValue().shape()));
                floatBytes += 4L * e.getValue().data().length;
            }
            Files.delete(model.resolve(Checkpoints.WEIGHTS));
            Checkpoints.writeWeights(model, layout, name -> weights.get(name).data(), Checkpoints.MAX_SHARD_BYTES);
        }
        BenchmarkBatch data = BenchmarkBatch.of(size);
        Memory base = Memory.now();
        resetPeak();
        try (Policy tf = new TensorflowBackend().load(model, "cpu")) {
            Memory loaded = Memory.now();
            List<float[]> ref = tf.referenceLogProbs(data.rows(), data.completions());
            TrainingBatch batch = new TrainingBatch(data.rows(), data.completions(), data.advantages(), List.of(), ref);
            int steps = Integer.getInteger("mr1.tfMemory.steps", 3);
            StringBuilder after = new StringBuilder();
            double loss = Double.NaN;
            Memory last = loaded;
            for (int i = 0; i < steps; i++) {
                loss = tf.step(batch, LOSS, ADAM, i).loss();
                last = Memory.now();
                after.append("; after step ").append(i + 1).append(' ').append(last);
            }
            // compiled decoding: one cached graph per KV-cache length
            List<io.mr1.api.types.Prompt> prompts = data.rows().stream().distinct().toList();
            for (int call = 0; call < 2; call++) {
                tf.sample(prompts, new io.mr1.api.backend.SamplingParams(8, 1.0, 1.0, 0, 64, 5 + call));
                last = Memory.now();
                after.append("; after sampling call ").append(call + 1).append(' ').append(last).append(" (")
                        .append(tf.engineStatistics().get("decode_graphs_cached").intValue()).append(" decoding graphs)");
            }
            System.out.printf(Locale.ROOT, "[tf memory] %s, %s checkpoint, %d parameters (float32 %.1f MB); heap used"
                            + " after GC / RSS / peak RSS, MB: before load %s; after load %s%s; load average %s%n",
                    size, dtype, tf.parameterCount(), floatBytes / 1e6, base, loaded, after, loadAverage());
            assertTrue(Double.isFinite(loss), "loss " + loss);
            long heapGrowth = last.heap - base.heap;
            assertTrue(heapGrowth < floatBytes / 4, "heap grew by " + heapGrowth / 1e6 + " MB for "
                    + floatBytes / 1e6 + " MB of float32 weights");
        }
    }

    /** Heap used after a full GC, resident and peak resident memory, in bytes. */
    private record Memory(long heap, long rss, long peak) {
        static Memory now() throws Exception {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            return new Memory(heap, status("VmRSS:"), status("VmHWM:"));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", heap / 1e6, rss / 1e6, peak / 1e6);
        }
    }

    private static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
            }
        }
        return -1;
    }

    /** Resets the peak resident size (Linux: writing 5 to clear_refs), so the next peak is the load's. */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (Exception e) {
            System.out.println("[tf memory] peak RSS not reset: " + e);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }
}
