package io.mr1.models;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The checkpoint folder every backend reads and writes, in Hugging Face's layout:
 * {@code config.json}, {@code model.safetensors} (parameters by Hugging Face name),
 * {@code preprocessor_config.json}, {@code tokenizer.json}, and
 * optionally {@code optimizer.safetensors} + {@code optimizer.json}. Engine-free, so a run
 * can switch backends at a checkpoint.
 */
public final class Checkpoints {

    /** Config file name. */
    public static final String CONFIG = "config.json";
    /** Weights file name. */
    public static final String WEIGHTS = "model.safetensors";
    /** Tokenizer file name. */
    public static final String TOKENIZER = "tokenizer.json";
    /** The index of a sharded checkpoint: which shard holds each tensor. */
    public static final String INDEX = "model.safetensors.index.json";
    /** The largest shard mr1 writes, as transformers' save_pretrained does (5 GB). */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;
    /** Optimiser moments file name. */
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** Optimiser step file name. */
    public static final String OPTIMIZER_STATE = "optimizer.json";

    private Checkpoints() {
    }

    /**
     * Creates a fresh model folder with seeded random weights (normal, std 0.02; norms 1;
     * biases 0) — how tests and the demo make tiny models without any hub.
     *
     * @param dir the folder to create
     * @param config the model config
     * @param images the image processor settings ({@code preprocessor_config.json})
     * @param vocabulary token to id for tokenizer.json
     * @param seed weight seed
     * @throws IOException if writing fails
     */
    public static void createRandom(Path dir, ModelConfig config, ImageProcessorConfig images,
                                    Map<String, Integer> vocabulary, long seed) throws IOException {
        Random random = new Random(seed);
        Map<String, SafeTensors.Entry> weights = new LinkedHashMap<>();
        new Qwen2VlModel(config).parameters().forEach((name, spec) -> {
            float[] v = new float[(int) spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (spec.init()) {
                    case NORMAL -> (float) (random.nextGaussian() * 0.02);
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                };
            }
            weights.put(name, new SafeTensors.Entry(spec.shape(), v));
        });
        Path staging = staging(dir);
        config.write(staging.resolve(CONFIG));
        images.write(staging.resolve(ImageProcessorConfig.FILE));
        WordLevelTokenizerJson.write(staging.resolve(TOKENIZER), vocabulary);
        SafeTensors.write(staging.resolve(WEIGHTS), weights);
        commit(staging, dir);
    }

    /**
     * Checks that a weights map has exactly the model's parameters with the right shapes.
     *
     * @param file where the weights came from, for the message
     * @param model the model definition
     * @param weights the weights read
     * @throws IOException naming missing, unexpected and mis-shaped parameters
     */
    public static void validate(Path file, Qwen2VlModel model, Map<String, SafeTensors.Entry> weights)
            throws IOException {
        List<String> problems = new ArrayList<>();
        model.parameters().forEach((name, spec) -> {
            SafeTensors.Entry e = weights.get(name);
            if (e == null) {
                problems.add("missing " + name);
            } else if (!java.util.Arrays.equals(e.shape(), spec.shape())) {
                problems.add(name + " has shape " + java.util.Arrays.toString(e.shape()) + ", config needs "
                        + java.util.Arrays.toString(spec.shape()));
            }
        });
        weights.keySet().stream().filter(n -> !model.parameters().containsKey(n))
                .forEach(n -> problems.add("unexpected " + n));
        if (!problems.isEmpty()) {
            throw new IOException(file + " does not match config.json: "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? " (and " + (problems.size() - 8) + " more)" : ""));
        }
    }

    /**
     * Checks, from the headers alone, that a folder's tensors are exactly the model's parameters
     * with the right shapes, before any tensor data is read.
     *
     * @param file where the tensors are described, for the message
     * @param model the model definition
     * @param tensors name to dtype and shape, as {@link #describeWeights} gives them
     * @throws IOException naming missing, unexpected and mis-shaped tensors (with both shapes)
     */
    public static void validateLayout(Path file, Qwen2VlModel model, Map<String, SafeTensors.TensorInfo> tensors)
            throws IOException {
        Map<String, SafeTensors.Entry> shapes = new LinkedHashMap<>();
        tensors.forEach((name, info) -> shapes.put(name, new SafeTensors.Entry(info.shape(), null)));
        validate(file, model, shapes);
    }

    /**
     * Streams a model folder's weights tensor by tensor, memory-mapped ({@link SafeTensors#stream}):
     * {@code model.safetensors}, or the shards the index names, each tensor once.
     *
     * @param folder the model folder
     * @param consumer receives each tensor's stored bytes (valid only during the call)
     * @throws IOException naming the file: a missing shard, an index naming a tensor its shard
     *     lacks, a malformed or truncated file, an unsupported dtype
     */
    public static void streamWeights(Path folder, SafeTensors.TensorConsumer consumer) throws IOException {
        Path index = folder.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            SafeTensors.stream(folder.resolve(WEIGHTS), consumer);
            return;
        }
        // Every shard present, every named tensor in it, before anything is loaded; each header read once.
        for (Shard shard : shards(folder, index)) {
            shard.header().stream((name, info, bytes) -> {
                if (shard.names().contains(name)) {
                    consumer.accept(name, info, bytes);
                }
            });
        }
    }

    /** One shard: its header and the tensors the index places in it, in the index's order. */
    private record Shard(SafeTensors.Header header, java.util.Set<String> names) {
    }

    /** The index's shards, each header read and checked against the index once. */
    private static List<Shard> shards(Path folder, Path index) throws IOException {
        Map<String, String> shardOf = shards(index);
        List<Shard> out = new ArrayList<>();
        for (String shard : new java.util.LinkedHashSet<>(shardOf.values())) {
            Path file = folder.resolve(shard);
            if (!Files.isRegularFile(file)) {
                throw new IOException("missing shard " + file + " (named by " + index + ")");
            }
            SafeTensors.Header header = SafeTensors.header(file);
            Map<String, SafeTensors.TensorInfo> tensors = header.tensors();
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                if (e.getValue().equals(shard)) {
                    if (!tensors.containsKey(e.getKey())) {
                        throw new IOException(index + " names tensor " + e.getKey() + " in " + file + ", which lacks it");
                    }
                    names.add(e.getKey());
                }
            }
            out.add(new Shard(header, names));
        }
        return out;
    }

    /**
     * Reads a model folder's weights widened to float: {@code model.safetensors}, or the shards
     * that {@code model.safetensors.index.json} names. For small models (tests, inspect); a
     * policy streams its weights into the engine instead ({@link #streamWeights}).
     *
     * @param folder the model folder
     * @return tensor name to tensor
     * @throws IOException naming the file: a missing shard, an index naming a tensor its shard
     *     lacks, a malformed or truncated file, an unsupported dtype
     */
    public static Map<String, SafeTensors.Entry> readWeights(Path folder) throws IOException {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        streamWeights(folder, (name, info, bytes) ->
                out.put(name, new SafeTensors.Entry(info.shape(), SafeTensors.floats(info.dtype(), bytes))));
        return out;
    }

    /**
     * Describes a model folder's weights from the safetensors headers alone (no tensor data is
     * read): {@code model.safetensors}, or every shard the index names.
     *
     * @param folder the model folder
     * @return tensor name to dtype and shape
     * @throws IOException naming the file, as {@link #readWeights}
     */
    public static Map<String, SafeTensors.TensorInfo> describeWeights(Path folder) throws IOException {
        Path index = folder.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            return SafeTensors.describe(folder.resolve(WEIGHTS));
        }
        Map<String, SafeTensors.TensorInfo> out = new LinkedHashMap<>();
        for (Shard shard : shards(folder, index)) {
            Map<String, SafeTensors.TensorInfo> tensors = shard.header().tensors();
            shard.names().forEach(name -> out.put(name, tensors.get(name)));
        }
        return out;
    }

    /** An index's weight_map: tensor name to shard file name. */
    private static Map<String, String> shards(Path index) throws IOException {
        Map<String, String> shardOf = new LinkedHashMap<>();
        try {
            JsonObject map = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8)).getAsJsonObject()
                    .getAsJsonObject("weight_map");
            if (map == null) {
                throw new IOException(index + ": no weight_map");
            }
            map.entrySet().forEach(e -> shardOf.put(e.getKey(), e.getValue().getAsString()));
        } catch (JsonParseException | IllegalStateException | ClassCastException | UnsupportedOperationException e) {
            throw new IOException(index + ": not a safetensors index: " + e.getMessage(), e);
        }
        return shardOf;
    }

    /**
     * Writes float32 weights in Hugging Face's layout (see {@link #writeWeights(Path, Map, java.util.function.Function, long)}).
     *
     * @param folder the (staging) folder
     * @param weights name to tensor
     * @param maxShardBytes the largest shard's data size
     * @throws IOException if writing fails
     */
    public static void writeWeights(Path folder, Map<String, SafeTensors.Entry> weights, long maxShardBytes)
            throws IOException {
        Map<String, SafeTensors.TensorInfo> layout = new LinkedHashMap<>();
        weights.forEach((name, e) -> layout.put(name, new SafeTensors.TensorInfo("F32", e.shape())));
        writeWeights(folder, layout, name -> weights.get(name).data(), maxShardBytes);
    }

    /**
     * Writes weights in Hugging Face's layout, one tensor at a time in each tensor's stored dtype:
     * one {@code model.safetensors}, or shards of at most {@code maxShardBytes} named
     * {@code model-0000N-of-0000M.safetensors} with {@code model.safetensors.index.json}
     * ({@code metadata.total_size} and {@code weight_map}), as transformers' save_pretrained does.
     *
     * @param folder the (staging) folder
     * @param layout name to the dtype to store (F32, BF16, F16) and the shape
     * @param values a tensor's row-major values, by name, fetched when it is written
     * @param maxShardBytes the largest shard's data size (a tensor bigger than that gets a shard of its own)
     * @throws IOException if writing fails
     */
    public static void writeWeights(Path folder, Map<String, SafeTensors.TensorInfo> layout,
                                    java.util.function.Function<String, float[]> values, long maxShardBytes)
            throws IOException {
        writeWeights(folder, layout, SafeTensors.fromFloats(values), maxShardBytes);
    }

    /**
     * As {@link #writeWeights(Path, Map, java.util.function.Function, long)}, each tensor's bytes
     * written in its stored dtype by {@code values} (an engine streaming chunks of its own memory).
     *
     * @param folder the (staging) folder
     * @param layout name to the dtype to store (F32, BF16, F16) and the shape
     * @param values writes a tensor's bytes
     * @param maxShardBytes the largest shard's data size (a tensor bigger than that gets a shard of its own)
     * @throws IOException if writing fails
     */
    public static void writeWeights(Path folder, Map<String, SafeTensors.TensorInfo> layout,
                                    SafeTensors.TensorBytes values, long maxShardBytes) throws IOException {
        List<Map<String, SafeTensors.TensorInfo>> shards = new ArrayList<>();
        Map<String, SafeTensors.TensorInfo> current = new LinkedHashMap<>();
        long size = 0;
        long total = 0;
        for (Map.Entry<String, SafeTensors.TensorInfo> e : new java.util.TreeMap<>(layout).entrySet()) {
            long bytes = e.getValue().bytes();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
            total += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            SafeTensors.write(folder.resolve(WEIGHTS), current, values);
            return;
        }
        JsonObject map = new JsonObject();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafeTensors.write(folder.resolve(name), shards.get(i), values);
            shards.get(i).keySet().forEach(k -> map.addProperty(k, name));
        }
        JsonObject meta = new JsonObject();
        meta.addProperty("total_size", total);
        JsonObject index = new JsonObject();
        index.add("metadata", meta);
        index.add("weight_map", map);
        Files.writeString(folder.resolve(INDEX), new GsonBuilder().setPrettyPrinting().create().toJson(index) + "\n",
                StandardCharsets.UTF_8);
    }

    /**
     * A fresh hidden staging folder beside the target.
     *
     * @param target the folder that {@link #commit} will create
     * @return the staging folder, empty
     * @throws IOException if it cannot be created
     */
    public static Path staging(Path target) throws IOException {
        return io.mr1.core.io.AtomicFiles.stagingFolder(target);
    }

    /**
     * Renames a complete staging folder into place (replacing an older one) so readers see
     * either the old or the new folder, never a half-written one.
     *
     * @param staging the filled staging folder
     * @param target the final folder
     * @throws IOException if the rename fails
     */
    public static void commit(Path staging, Path target) throws IOException {
        io.mr1.core.io.AtomicFiles.commitFolder(staging, target);
    }

    /**
     * Deletes a folder tree if it exists.
     *
     * @param dir the folder
     * @throws IOException if deletion fails
     */
    public static void deleteRecursively(Path dir) throws IOException {
        io.mr1.core.io.AtomicFiles.deleteRecursively(dir);
    }
}
