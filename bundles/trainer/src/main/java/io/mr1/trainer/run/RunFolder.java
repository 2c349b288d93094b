package io.mr1.trainer.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.mr1.core.io.AtomicFiles;
import io.mr1.trainer.loop.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The layout of a run folder and the formats of the files mr1 writes there; every file is
 * written atomically ({@link AtomicFiles}). The layout (docs/CONFIG.md, "The run folder"):
 * {@code run-config.json} (the parsed configuration in its input keys, what --resume reads),
 * {@code config.json} (the same plus a {@code resolved} section with the total steps and every
 * plugin's bundle and version; a valid configuration itself), {@code io.mr1.run.cfg} (the run's
 * backend, {@link BackendControl}), {@code metrics.jsonl}, {@code samples.jsonl},
 * {@code tensorboard/} (with report_to: [tensorboard]), {@code checkpoints/step-N/}, {@code eval/step-N.json},
 * {@code report.html} with {@code plots/}, and {@code data/} and {@code model-init/} when
 * the run generated them.
 */
public final class RunFolder {

    /** The configuration as parsed, in its input keys (what --resume reads). */
    public static final String RUN_CONFIG = "run-config.json";
    /** The resolved configuration with provenance. */
    public static final String CONFIG = "config.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    private final Path dir;

    /**
     * @param dir the run folder
     */
    public RunFolder(Path dir) {
        this.dir = dir;
    }

    /** @return the run folder */
    public Path dir() {
        return dir;
    }

    /** @return run-config.json */
    public Path runConfig() {
        return dir.resolve(RUN_CONFIG);
    }

    /** @return config.json */
    public Path config() {
        return dir.resolve(CONFIG);
    }

    /** @return metrics.jsonl */
    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    /** @return samples.jsonl */
    public Path samples() {
        return dir.resolve("samples.jsonl");
    }

    /** @return report.html */
    public Path report() {
        return dir.resolve("report.html");
    }

    /**
     * @param step the step a checkpoint was written after
     * @return its policy folder
     */
    public Path checkpointPolicy(long step) {
        return dir.resolve(CheckpointStore.FOLDER).resolve("step-" + step).resolve(CheckpointStore.POLICY);
    }

    /**
     * @param name e.g. {@code step-100}
     * @return eval/NAME.json
     */
    public Path evaluation(String name) {
        return dir.resolve("eval").resolve(name + ".json");
    }

    /**
     * Generated data of a run (relative to any folder the run is built in).
     *
     * @param root the run folder or its staging folder
     * @param split {@code train} or {@code eval}
     * @return the folder the task generates into
     */
    public static Path generated(Path root, String split) {
        return root.resolve("data").resolve(split);
    }

    /**
     * The JSONL file inside a generated data folder.
     *
     * @param root the run folder or its staging folder
     * @param split {@code train} or {@code eval}
     * @return data/SPLIT/data.jsonl
     */
    public static Path generatedJsonl(Path root, String split) {
        return generated(root, split).resolve("data.jsonl");
    }

    /**
     * The created initial model (relative to any folder the run is built in).
     *
     * @param root the run folder or its staging folder
     * @return model-init/
     */
    public static Path createdModel(Path root) {
        return root.resolve("model-init");
    }

    /**
     * Writes JSON atomically, pretty-printed.
     *
     * @param file the file
     * @param value a map, list or record
     * @throws IOException if writing fails
     */
    public static void writeJson(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, GSON.toJson(value));
    }

    /**
     * Writes run-config.json into a folder (the run folder or its staging folder).
     *
     * @param root the folder
     * @param config the parsed configuration, paths absolute
     * @throws IOException if writing fails
     */
    public static void writeRunConfig(Path root, RunConfig config) throws IOException {
        writeJson(root.resolve(RUN_CONFIG), config.toMap(0));
    }

    /**
     * Reads run-config.json back (for --resume, and for a new run once its folder is made).
     *
     * @return the configuration
     * @throws TrainingSession.SetupException if the folder is not a run folder, or the file is invalid
     * @throws IOException if it cannot be read
     */
    public RunConfig readRunConfig() throws TrainingSession.SetupException, IOException {
        if (!Files.isRegularFile(runConfig())) {
            throw new TrainingSession.SetupException(dir + " is not an mr1 run folder (no " + RUN_CONFIG + ")");
        }
        try {
            return RunConfig.parse(runConfig().toString(), RunConfig.readValues(runConfig()), dir);
        } catch (ConfigException e) {
            throw new TrainingSession.SetupException(e.getMessage());
        }
    }

    /**
     * Writes config.json: the configuration in its input keys, steps resolved, and a
     * {@code resolved} section (ignored when the file is read as a configuration).
     *
     * @param config the configuration
     * @param totalSteps t
     * @param resolved provenance: items, the KL schedule's effective parameters, plugins, Java
     * @throws IOException if writing fails
     */
    public void writeResolvedConfig(RunConfig config, long totalSteps, Map<String, Object> resolved)
            throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(config.toMap(totalSteps));
        values.put(RunConfig.RESOLVED, resolved);
        writeJson(config(), values);
    }

    /**
     * Writes eval/NAME.json.
     *
     * @param name e.g. {@code step-100}
     * @param r the evaluation
     * @throws IOException if writing fails
     */
    public void writeEvaluation(String name, Evaluator.Result r) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("items", r.items());
        json.put("accuracy", r.accuracy());
        json.put("lenient_accuracy", r.lenientAccuracy());
        json.put("format_rate", r.formatRate());
        putSampled(json, r);
        json.put("outputs", r.outputs());
        writeJson(evaluation(name), json);
    }

    /**
     * Adds the sampled pass@1 keys of an evaluation when it was measured.
     *
     * @param json the evaluation's JSON
     * @param r the evaluation
     */
    public static void putSampled(Map<String, Object> json, Evaluator.Result r) {
        if (r.sampled() != null) {
            json.put("sampled_accuracy", r.sampled().accuracy());
            json.put("sampled_format_rate", r.sampled().formatRate());
            json.put("samples_per_item", r.sampled().samplesPerItem());
            json.put("sample_temperature", r.sampled().temperature());
        }
    }
}
