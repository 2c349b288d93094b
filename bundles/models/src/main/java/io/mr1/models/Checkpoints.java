package io.mr1.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The checkpoint folder every backend reads and writes: {@code config.json},
 * {@code model.safetensors} (parameters by Hugging Face name), {@code tokenizer.json}, and
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
     * @param vocabulary token to id for tokenizer.json
     * @param seed weight seed
     * @throws IOException if writing fails
     */
    public static void createRandom(Path dir, ModelConfig config, Map<String, Integer> vocabulary, long seed)
            throws IOException {
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
