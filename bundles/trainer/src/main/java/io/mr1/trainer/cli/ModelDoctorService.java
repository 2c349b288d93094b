package io.mr1.trainer.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.ModelDoctor;
import io.mr1.core.cli.UsageException;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.MemoryEstimate;
import io.mr1.models.ModelConfig;
import io.mr1.models.ModelSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Component;

/**
 * {@code mr1 doctor --model DIR}: a model folder's architecture, exact parameter count, dtype,
 * ignored config keys and tensor check, and the memory a GRPO-D run needs on one device
 * ({@link MemoryEstimate}) against that device's memory, with what to change when it does not
 * fit. The weights are counted in {@code --dtype} (as {@code model.dtype}: float32 on the CPU,
 * bfloat16 on a GPU), whatever the dtype on disk, and so are the passes without gradient (KV
 * cache, prefill and decoding, prompt images, scoring: bfloat16 activations at 2 B beside its
 * float32 softmax and log-softmax copies); AdamW's moments, the master copies of bfloat16 weights
 * and the training activations in float32. A folder with only {@code config.json} is sized from the tensors
 * the config implies.
 */
@Component(service = ModelDoctor.class)
public final class ModelDoctorService implements ModelDoctor {

    private static final double GIB = 1024.0 * 1024 * 1024;
    /** Super-CLEVR's image size, the R1-V counting images. */
    private static final int IMAGE_HEIGHT = 480;
    private static final int IMAGE_WIDTH = 640;

    @Override
    public int check(CommandLine line, boolean json, PrintStream out, PrintStream err) throws Exception {
        Path dir = Path.of(line.require("--model"));
        String device = line.value("--device") == null ? "cpu" : line.value("--device");
        if (!device.equals("cpu") && !device.matches("cuda:\\d+")) {
            throw new UsageException("--device must be cpu or cuda:N, got '" + device + "'");
        }
        int batch = positive(line, "--batch", 1);
        int generations = positive(line, "--generations", 8);
        int maxLength = positive(line, "--max-length", 1024);
        int micro = positive(line, "--micro-batch", batch * generations);
        // As model.dtype: float32 on the CPU, bfloat16 on a GPU (the reference follows it).
        String dtype;
        try {
            dtype = io.mr1.trainer.run.RunConfig.Model.dtypeOption(line.value("--dtype"), device);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ModelSummary summary;
        ImageProcessorConfig images = null;
        try {
            summary = ModelSummary.read(dir);
            if (summary.config().visionConfig() != null) {
                images = ImageProcessorConfig.read(dir, summary.config().visionConfig());
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("mr1 doctor: " + e.getMessage());
            return 1;
        }
        ModelConfig c = summary.config();
        int patches = 0;
        if (images != null) {
            int[] hw = ImageProcessor.smartResize(IMAGE_HEIGHT, IMAGE_WIDTH, images.factor(), images.minPixels(),
                    images.maxPixels());
            patches = (hw[0] / images.patchSize()) * (hw[1] / images.patchSize());
        }
        long params = summary.parameters();
        MemoryEstimate m = MemoryEstimate.of(c, params, dtype, dtype, batch, generations,
                Math.min(micro, batch * generations), maxLength, patches);
        Long deviceBytes = deviceMemory(line, device);

        JsonObject report = new JsonObject();
        report.addProperty("model", dir.toAbsolutePath().normalize().toString());
        report.add("architecture", architecture(c));
        report.addProperty("parameters", params);
        report.addProperty("tensors", summary.tensors().size());
        report.addProperty("from_config", summary.fromConfig());
        JsonArray files = new JsonArray();
        summary.files().forEach(files::add);
        report.add("files", files);
        JsonObject dtypes = new JsonObject();
        summary.dtypes().forEach(dtypes::addProperty);
        report.add("dtypes", dtypes);
        report.add("ignored_config_keys", strings(c.ignoredKeys()));
        report.add("problems", strings(summary.problems()));
        JsonObject memory = new JsonObject();
        memory.addProperty("device", device);
        memory.addProperty("dtype", dtype);
        memory.addProperty("batch", batch);
        memory.addProperty("generations", generations);
        memory.addProperty("max_length", maxLength);
        memory.addProperty("micro_batch", Math.min(micro, batch * generations));
        memory.addProperty("image_patches", patches);
        memory.addProperty("weights", m.weights());
        memory.addProperty("gradients", m.gradients());
        memory.addProperty("adam_moments", m.adamMoments());
        memory.addProperty("reference", m.reference());
        memory.addProperty("kv_cache", m.kvCache());
        memory.addProperty("prompt_logits", m.promptLogits());
        memory.addProperty("activations", m.activations());
        memory.addProperty("vision_activations", m.visionActivations());
        memory.addProperty("prompt_vision", m.promptVision());
        memory.addProperty("scoring", m.scoring());
        memory.addProperty("persistent", m.persistent());
        memory.addProperty("peak", m.peak());
        if (deviceBytes != null) {
            memory.addProperty("device_memory", deviceBytes);
        }
        List<String> advice = new ArrayList<>();
        String verdict = verdict(c, params, dtype, m, deviceBytes, batch, generations, maxLength, micro, patches,
                advice);
        memory.addProperty("verdict", verdict);
        memory.add("advice", strings(advice));
        report.add("memory", memory);

        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(report));
        } else {
            printText(out, report, summary, m, deviceBytes, verdict, advice);
        }
        if (!summary.problems().isEmpty()) {
            err.println("mr1 doctor: " + dir + " does not match its config.json");
        }
        return summary.problems().isEmpty() && !verdict.equals("does not fit") ? 0 : 1;
    }

    private static int positive(CommandLine line, String option, int fallback) throws UsageException {
        long v = line.longValue(option, fallback);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new UsageException(option + " must be a positive integer, got " + line.value(option));
        }
        return (int) v;
    }

    private static JsonObject architecture(ModelConfig c) {
        JsonObject a = new JsonObject();
        a.addProperty("model_type", c.modelType());
        a.addProperty("layers", c.numHiddenLayers());
        a.addProperty("hidden_size", c.hiddenSize());
        a.addProperty("attention_heads", c.numAttentionHeads());
        a.addProperty("key_value_heads", c.numKeyValueHeads());
        a.addProperty("head_dim", c.hiddenSize() / c.numAttentionHeads());
        a.addProperty("intermediate_size", c.intermediateSize());
        a.addProperty("vocab_size", c.vocabSize());
        a.addProperty("tie_word_embeddings", c.tieWordEmbeddings());
        JsonArray section = new JsonArray();
        c.mropeSection().forEach(section::add);
        a.add("mrope_section", section);
        if (c.visionConfig() != null) {
            ModelConfig.VisionConfig v = c.visionConfig();
            JsonObject vision = new JsonObject();
            vision.addProperty("depth", v.depth());
            vision.addProperty("embed_dim", v.embedDim());
            vision.addProperty("heads", v.numHeads());
            vision.addProperty("mlp_ratio", v.mlpRatio());
            vision.addProperty("patch_size", v.patchSize());
            vision.addProperty("temporal_patch_size", v.temporalPatchSize());
            vision.addProperty("spatial_merge_size", v.spatialMergeSize());
            a.add("vision", vision);
        }
        return a;
    }

    private static JsonArray strings(List<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    /** The device's memory in bytes: --device-memory, /proc/meminfo for cpu, nvidia-smi for cuda:N; null if unknown. */
    private static Long deviceMemory(CommandLine line, String device) throws UsageException {
        if (line.value("--device-memory") != null) {
            double gib = line.doubleValue("--device-memory", 0);
            if (!(gib > 0)) {
                throw new UsageException("--device-memory must be a positive number of GiB, got "
                        + line.value("--device-memory"));
            }
            return (long) (gib * GIB);
        }
        try {
            if (device.equals("cpu")) {
                for (String l : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
                    if (l.startsWith("MemTotal:")) {
                        return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                    }
                }
                return null;
            }
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits",
                    "-i", device.substring("cuda:".length())).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return Long.parseLong(text.lines().findFirst().orElse("").trim()) * 1024 * 1024;
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String verdict(ModelConfig c, long params, String dtype, MemoryEstimate m, Long device, int batch,
                                  int generations, int maxLength, int micro, int patches, List<String> advice) {
        if (device == null) {
            advice.add("the device's memory is unknown: pass --device-memory GIB");
            return "unknown";
        }
        if (m.peak() <= device) {
            return "fits";
        }
        if (m.persistent() > device) {
            advice.add(String.format("the weights, gradients, AdamW state and frozen reference alone need %.2f GiB"
                    + " (weights in %s; moments and any master copies in float32): use a device with at least"
                    + " %.2f GiB, or a smaller model", m.persistent() / GIB, dtype, m.peak() / GIB));
            return "does not fit";
        }
        long free = device - m.persistent();
        int rows = batch * generations;
        if (m.sampling() > free) {
            int fewer = rows;
            while (fewer > 1 && MemoryEstimate.of(c, params, dtype, dtype, 1, fewer, 1, maxLength, patches).sampling() > free) {
                fewer--;
            }
            advice.add(String.format("sampling (the KV cache for %d rows of %d tokens, the prefill and images)"
                    + " needs %.2f GiB of the %.2f GiB left: lower --batch x --generations (at most about %d rows fit)"
                    + " or the max length", rows, maxLength, m.sampling() / GIB, free / GIB, fewer));
            if (m.promptVision() > free / 2) {
                advice.add(String.format("encoding the prompts' images holds %.2f GiB of vision-tower activations:"
                        + " a lower max_pixels in preprocessor_config.json (R1-V: 401408) shrinks them quadratically",
                        m.promptVision() / GIB));
            }
        }
        if (m.scoring() > free) {
            advice.add(String.format("scoring the %d completions (pi_old, the reference) holds the logits of every"
                    + " completion token twice: %.2f GiB of the %.2f GiB left: lower --batch x --generations or the"
                    + " max length", rows, m.scoring() / GIB, free / GIB));
        }
        if (m.training() > free) {
            int fits = 0;
            for (int mb = Math.min(micro, rows); mb >= 1; mb--) {
                if (MemoryEstimate.of(c, params, dtype, dtype, batch, generations, mb, maxLength, patches).training() <= free) {
                    fits = mb;
                    break;
                }
            }
            advice.add(fits > 0
                    ? String.format("a training pass over %d completions needs %.2f GiB of the %.2f GiB left: set"
                    + " grpo.micro_batch_size: %d (--micro-batch %d)", Math.min(micro, rows), m.training() / GIB,
                    free / GIB, fits, fits)
                    : String.format("even one completion per training pass needs more than the %.2f GiB left:"
                    + " shorten the max length (prompt + completion) or use a larger device", free / GIB));
        }
        return "does not fit";
    }

    private static String gib(long bytes) {
        return String.format("%8.2f GiB", bytes / GIB);
    }

    private static void printText(PrintStream out, JsonObject report, ModelSummary s, MemoryEstimate m, Long device,
                                  String verdict, List<String> advice) {
        ModelConfig c = s.config();
        out.printf("Model        %s%n", report.get("model").getAsString());
        out.printf("Decoder      %d layers, hidden %d, %d heads (%d key/value heads, head_dim %d), intermediate %d,"
                + " vocab %d, %s head, M-RoPE %s%n", c.numHiddenLayers(), c.hiddenSize(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.hiddenSize() / c.numAttentionHeads(), c.intermediateSize(), c.vocabSize(),
                c.tieWordEmbeddings() ? "tied" : "untied", c.mropeSection());
        if (c.visionConfig() != null) {
            ModelConfig.VisionConfig v = c.visionConfig();
            out.printf("Vision       %d blocks, embed %d, %d heads, mlp ratio %d, patch %d, temporal %d, merge %d%n",
                    v.depth(), v.embedDim(), v.numHeads(), v.mlpRatio(), v.patchSize(), v.temporalPatchSize(),
                    v.spatialMergeSize());
        }
        if (s.fromConfig()) {
            out.printf("Parameters   %,d (sum of the %d tensors config.json implies; the folder has no weights)%n",
                    s.parameters(), s.tensors().size());
        } else {
            out.printf("Parameters   %,d (sum of %d tensors' sizes) in %s%n", s.parameters(), s.tensors().size(),
                    String.join(", ", s.files()));
        }
        out.printf("Dtype        %s on disk; trained in %s%n", s.dtypes(),
                report.getAsJsonObject("memory").get("dtype").getAsString());
        out.printf("Ignored keys %s%n", c.ignoredKeys().isEmpty() ? "none" : String.join(", ", c.ignoredKeys()));
        out.printf("Tensors      %s%n", s.problems().isEmpty() ? "match config.json"
                : String.join("; ", s.problems()));
        JsonObject mem = report.getAsJsonObject("memory");
        out.printf("GRPO-D on %s: batch %d x %d generations x %d tokens, micro-batch %d, %d patches per image%n",
                mem.get("device").getAsString(), mem.get("batch").getAsInt(), mem.get("generations").getAsInt(),
                mem.get("max_length").getAsInt(), mem.get("micro_batch").getAsInt(), mem.get("image_patches").getAsInt());
        out.println("  weights            " + gib(m.weights()));
        out.println("  gradients          " + gib(m.gradients()));
        boolean narrow = report.getAsJsonObject("memory").get("dtype").getAsString().equals("bfloat16");
        out.println("  AdamW state        " + gib(m.adamMoments()) + (narrow ? " (float32 moments and master copies)"
                : " (float32 moments)"));
        out.println("  frozen reference   " + gib(m.reference()));
        out.println("  KV cache (sampling)" + gib(m.kvCache()));
        out.println("  prefill + decoding " + gib(m.promptLogits()));
        out.println("  prompt images      " + gib(m.promptVision()));
        out.println("  scoring pass       " + gib(m.scoring()));
        out.println("  activations        " + gib(m.activations()));
        out.println("  vision activations " + gib(m.visionActivations()));
        out.println("  peak (estimate)    " + gib(m.peak()));
        out.println("  device memory      " + (device == null ? "    unknown" : gib(device)));
        out.println("Verdict      " + verdict);
        advice.forEach(a -> out.println("  change: " + a));
    }
}
