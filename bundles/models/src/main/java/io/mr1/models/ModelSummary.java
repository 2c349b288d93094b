package io.mr1.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Hugging Face model folder holds, read from {@code config.json} and the safetensors
 * headers only (no tensor data): the architecture, the exact parameter count (the sum of the
 * tensors' sizes), the dtypes on disk, and how the tensors compare with what the config implies.
 *
 * @param folder the folder
 * @param config its config
 * @param tensors tensor name to dtype and shape, as stored
 * @param files the weight files (one, or the shards)
 * @param problems missing tensors and shape mismatches against the config (empty when it matches)
 * @param fromConfig whether the folder has no weights, so the tensors are those config.json implies
 *     (in its {@code torch_dtype}): enough to size a run before downloading a checkpoint
 */
public record ModelSummary(Path folder, ModelConfig config, Map<String, SafeTensors.TensorInfo> tensors,
                           List<String> files, List<String> problems, boolean fromConfig) {

    /**
     * Reads a folder.
     *
     * @param folder the model folder
     * @return its summary
     * @throws IOException if config.json or a weight file is missing or malformed (the message names it)
     */
    public static ModelSummary read(Path folder) throws IOException {
        Path configFile = folder.resolve(Checkpoints.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("not a model folder (no " + Checkpoints.CONFIG + "): " + folder);
        }
        ModelConfig config = ModelConfig.read(configFile);
        if (!Files.exists(folder.resolve(Checkpoints.INDEX)) && !Files.exists(folder.resolve(Checkpoints.WEIGHTS))) {
            String dtype = configDtype(configFile);
            Map<String, SafeTensors.TensorInfo> implied = new java.util.LinkedHashMap<>();
            new Qwen2VlModel(config).parameters().forEach((name, spec) ->
                    implied.put(name, new SafeTensors.TensorInfo(dtype, spec.shape())));
            return new ModelSummary(folder, config, implied, List.of(), List.of(), true);
        }
        Map<String, SafeTensors.TensorInfo> tensors = Checkpoints.describeWeights(folder);
        List<String> files = new ArrayList<>();
        if (Files.isRegularFile(folder.resolve(Checkpoints.INDEX))) {
            try (var list = Files.list(folder)) {
                list.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".safetensors") && !n.equals(Checkpoints.OPTIMIZER))
                        .sorted().forEach(files::add);
            }
        } else {
            files.add(Checkpoints.WEIGHTS);
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ParamSpec> e : new Qwen2VlModel(config).parameters().entrySet()) {
            SafeTensors.TensorInfo t = tensors.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor " + e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                problems.add("tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape()) + ", config.json implies "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        return new ModelSummary(folder, config, tensors, List.copyOf(files), List.copyOf(problems), false);
    }

    /** config.json's {@code torch_dtype} (or {@code dtype}) as a safetensors dtype; F32 when absent. */
    private static String configDtype(Path configFile) throws IOException {
        try {
            var root = com.google.gson.JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
            var value = root.has("torch_dtype") ? root.get("torch_dtype") : root.get("dtype");
            String name = value == null || value.isJsonNull() ? "float32" : value.getAsString();
            return ModelConfig.safetensorsDtype(name);
        } catch (RuntimeException e) {
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
    }

    /** @return the exact number of parameters: the sum of the stored tensors' sizes */
    public long parameters() {
        return tensors.values().stream().mapToLong(SafeTensors.TensorInfo::elements).sum();
    }

    /** @return dtype to number of tensors stored in it */
    public Map<String, Integer> dtypes() {
        Map<String, Integer> out = new TreeMap<>();
        tensors.values().forEach(t -> out.merge(t.dtype(), 1, Integer::sum));
        return out;
    }

    /** @return bytes per weight on disk for the most common dtype (2 for BF16/F16, 4 for F32) */
    public int bytesOnDisk() {
        String main = dtypes().entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("F32");
        return main.equals("F32") ? 4 : 2;
    }
}
