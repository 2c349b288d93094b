package io.mr1.trainer.experiment;

import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every part of an experiment lives in its folder and the run configuration of every
 * training run, built by layering run-config values: the experiment's defaults, the file's
 * {@code run} and {@code budget}, the train task's {@code run}, the arm's {@code config}, the
 * arm's {@code per_task} entry (a sweep point's value is already in the arm's config), and last
 * what the experiment sets itself (task, task options, seed, training data, base model, no
 * held-out evaluation inside the run). Each is parsed by {@link RunConfig#parse}, so a wrong
 * key fails before anything runs, named with the run it belongs to.
 */
public final class ExperimentPlan {

    /**
     * Kept checkpoints per run unless the file says otherwise: all. A run resumed from a checkpoint
     * that keep_checkpoints later prunes fails at its next save (the policy copies its tokenizer
     * from the folder it was loaded from), so the experiment does not prune by default.
     */
    static final int KEEP_CHECKPOINTS = 0;
    /** Checkpoints per run unless the file says otherwise, so a killed run loses at most a quarter. */
    static final int CHECKPOINTS_PER_RUN = 4;

    /**
     * One training run of an arm.
     *
     * @param arm the arm
     * @param seed the seed
     * @param trainTask the task id it trains on
     * @param folder its run folder
     * @param config its run-config values (the base model's path filled in by the runner)
     */
    public record ArmRun(ExperimentSpec.Arm arm, long seed, String trainTask, Path folder, Map<String, Object> config) {
        /** @return e.g. "grpo-d, seed 2, trained on counting" */
        public String label() {
            return arm.name() + ", seed " + seed + ", trained on " + trainTask;
        }
    }

    private final ExperimentSpec spec;
    private final Path dir;

    /**
     * @param spec the experiment
     * @param dir its output folder
     */
    public ExperimentPlan(ExperimentSpec spec, Path dir) {
        this.spec = spec;
        this.dir = dir;
    }

    /** @return the output folder */
    public Path dir() {
        return dir;
    }

    /**
     * @param taskId a task id
     * @param split train, test or warm
     * @return the folder its generated split goes to
     */
    public Path generated(String taskId, String split) {
        return dir.resolve("data").resolve(taskId).resolve(split);
    }

    /** @return the created base model's folder */
    public Path createdModel() {
        return dir.resolve("base").resolve("model");
    }

    /**
     * @param index the stage's index
     * @return the warm-start stage's run folder
     */
    public Path warmStage(int index) {
        return dir.resolve("base").resolve("warm-" + (index + 1) + "-" + spec.base().warmStart().get(index).task());
    }

    /**
     * @param testTask a test task id
     * @return where the base's evaluation on it is kept
     */
    public Path baseResult(String testTask) {
        return dir.resolve("results").resolve("base").resolve(testTask + ".json");
    }

    /**
     * @param run an arm's run
     * @param testTask a test task id
     * @return where its evaluation on the test task is kept
     */
    public Path result(ArmRun run, String testTask) {
        return dir.resolve("results").resolve(run.arm().name()).resolve(run.trainTask())
                .resolve("seed-" + run.seed()).resolve(testTask + ".json");
    }

    /** @return every arm run, in the order they run: arm by arm, then train task, then seed */
    public List<ArmRun> runs() {
        List<ArmRun> runs = new ArrayList<>();
        for (ExperimentSpec.Arm arm : spec.arms()) {
            for (String task : arm.trainOn()) {
                for (long seed : arm.seeds()) {
                    Path folder = dir.resolve("runs").resolve(arm.name()).resolve(task).resolve("seed-" + seed);
                    runs.add(new ArmRun(arm, seed, task, folder, armConfig(arm, task, seed, Path.of("base-model"),
                            Path.of("train.jsonl"))));
                }
            }
        }
        return runs;
    }

    /**
     * The run-config values of an arm's run.
     *
     * @param arm the arm
     * @param taskId the train task id
     * @param seed the seed
     * @param baseModel the base checkpoint folder
     * @param trainFile the training items
     * @return the values
     */
    public Map<String, Object> armConfig(ExperimentSpec.Arm arm, String taskId, long seed, Path baseModel,
                                         Path trainFile) {
        ExperimentSpec.TaskSpec task = task(taskId);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("samples_every", 10);
        merge(c, spec.run());
        merge(c, task.run());
        merge(c, arm.config());
        merge(c, arm.perTask().getOrDefault(taskId, Map.of()));
        forceRun(c, task, seed, baseModel, trainFile);
        return c;
    }

    /**
     * The run-config values of a warm-start stage: the file's backend and device, the stage's values, SFT.
     *
     * @param index the stage's index
     * @param model the model it starts from
     * @param trainFile its training items
     * @return the values
     */
    public Map<String, Object> warmConfig(int index, Path model, Path trainFile) {
        ExperimentSpec.WarmStage stage = spec.base().warmStart().get(index);
        Map<String, Object> c = new LinkedHashMap<>();
        for (String key : List.of("backend", "device")) {
            if (spec.run().containsKey(key)) {
                c.put(key, spec.run().get(key));
            }
        }
        c.put("samples_every", 0);
        merge(c, stage.run());
        c.put("algorithm", "sft");
        long seed = ((Number) spec.base().create().getOrDefault("seed", 7)).longValue();
        forceRun(c, task(stage.task()), seed + index, model, trainFile);
        return c;
    }

    private static void forceRun(Map<String, Object> c, ExperimentSpec.TaskSpec task, long seed, Path model,
                                 Path trainFile) {
        c.put("task", task.task());
        c.put("task_options", deepCopy(task.options()));
        c.put("seed", seed);
        Map<String, Object> data = c.get("data") instanceof Map<?, ?> m ? deepCopy(cast(m)) : new LinkedHashMap<>();
        data.remove("train_generate");
        data.remove("eval");
        data.put("train", trainFile.toString());
        data.put("eval_generate", 0); // the experiment evaluates every result on every test split itself
        c.put("data", data);
        c.put("model", new LinkedHashMap<>(Map.of("checkpoint", model.toString())));
        long steps = c.get("steps") instanceof Number n ? n.longValue() : RunConfig.DEFAULT_STEPS;
        c.putIfAbsent("checkpoint_every", Math.max(1, steps / CHECKPOINTS_PER_RUN));
        c.putIfAbsent("keep_checkpoints", KEEP_CHECKPOINTS);
    }

    /**
     * Checks every run's configuration (arms and warm-start stages) by parsing it; writes nothing.
     *
     * @throws ConfigException naming the run and the key at fault
     */
    public void validate() throws ConfigException {
        Path model = dir.resolve("base-model");
        for (ArmRun run : runs()) {
            RunConfig.parse(spec.source() + " (arm " + run.label() + ")", run.config(), dir);
        }
        for (int i = 0; i < spec.base().warmStart().size(); i++) {
            RunConfig.parse(spec.source() + " (base.warm_start[" + i + "])", warmConfig(i, model, model), dir);
        }
    }

    private ExperimentSpec.TaskSpec task(String id) {
        return spec.tasks().stream().filter(t -> t.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no task " + id));
    }

    /**
     * Merges run-config values: mappings key by key, anything else replaced.
     *
     * @param into the values changed
     * @param from the values laid on top
     */
    static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m && into.get(e.getKey()) instanceof Map<?, ?> old) {
                Map<String, Object> merged = deepCopy(cast(old));
                merge(merged, cast(m));
                into.put(e.getKey(), merged);
            } else {
                into.put(e.getKey(), e.getValue() instanceof Map<?, ?> m ? deepCopy(cast(m)) : e.getValue());
            }
        }
    }

    /**
     * Sets a dotted key ({@code kl_schedule.beta}), creating mappings on the way.
     *
     * @param map the values
     * @param dotted the key
     * @param value the value
     */
    static void put(Map<String, Object> map, String dotted, Object value) {
        String[] parts = dotted.split("\\.");
        Map<String, Object> at = map;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = at.get(parts[i]);
            if (!(next instanceof Map)) {
                next = new LinkedHashMap<String, Object>();
                at.put(parts[i], next);
            }
            at = cast((Map<?, ?>) next);
        }
        at.put(parts[parts.length - 1], value);
    }

    /**
     * @param map a mapping of the file
     * @return a copy whose nested mappings are copies too (and modifiable)
     */
    static Map<String, Object> deepCopy(Map<String, Object> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? deepCopy(cast(m)) : v));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
