package io.mr1.trainer.experiment;

import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.RunConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment file (JSON or YAML), read and validated once: errors name the file and the
 * key's path. The run-config fragments it holds ({@code run}, a task's {@code run}, an arm's
 * {@code config} and {@code per_task}) are checked by parsing a run configuration built from
 * them for every run before anything is written ({@link ExperimentPlan}). Every key is
 * described in docs/EXPERIMENTS.md.
 *
 * @param source the file, for messages
 * @param name the experiment's name (the default output folder)
 * @param base where the base model comes from
 * @param tasks the tasks, in order (their ids are the table's columns)
 * @param trainOn ids of the tasks every arm is trained on (default: all)
 * @param arms the trained arms, sweeps expanded (the base is evaluated, never trained)
 * @param seeds training seeds; every arm runs once per seed and train task
 * @param run run-config values every run starts from (the budget included)
 * @param eval how results are evaluated
 * @param referenceArms arm names the table's relative improvements and paired tests refer to
 *     (besides the base), e.g. sft and grpo as in the paper
 */
public record ExperimentSpec(String source, String name, Base base, List<TaskSpec> tasks, List<String> trainOn,
                             List<Arm> arms, List<Long> seeds, Map<String, Object> run, Eval eval,
                             List<String> referenceArms) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /**
     * The base model: an existing checkpoint folder, or a tiny model created over every task's
     * vocabulary and warm-started by SFT stages.
     *
     * @param checkpoint a checkpoint folder, or null to create one
     * @param create the created model's sizes ({@code hidden_size}, {@code layers}, {@code image_size},
     *     {@code seed}), as in a run config's {@code model} section
     * @param warmStart SFT stages run in order from the created model
     */
    public record Base(Path checkpoint, Map<String, Object> create, List<WarmStage> warmStart) {
    }

    /**
     * One SFT warm-start stage.
     *
     * @param task the task id whose warm-start items it trains on
     * @param run run-config values of the stage (steps, batch_size, optimizer, ...)
     */
    public record WarmStage(String task, Map<String, Object> run) {
    }

    /**
     * A task of the experiment.
     *
     * @param id its id in the experiment (table column)
     * @param task the task plugin's name
     * @param options the task's per-run options
     * @param train a training file, or null to generate {@code trainGenerate} items
     * @param trainGenerate items to generate when no file is given
     * @param test a test file, or null to generate {@code testGenerate} items
     * @param testGenerate items to generate when no file is given
     * @param warmGenerate warm-start items to generate (created bases only; 0: none)
     * @param generateSeed seed of the generated splits (each split its own offset)
     * @param run run-config values for runs trained on this task (e.g. its KL preset)
     */
    public record TaskSpec(String id, String task, Map<String, Object> options, Path train, int trainGenerate,
                           Path test, int testGenerate, int warmGenerate, long generateSeed, Map<String, Object> run) {
    }

    /**
     * A trained arm (one point of a sweep is an arm of its own).
     *
     * @param name its name, unique (a sweep point's name carries the value, e.g. {@code beta-sweep[0.01]})
     * @param group the arm as the file names it (the sweep's name for sweep points)
     * @param sweepKey the swept run-config key (dotted path), or null
     * @param sweepValue the point's value, or NaN
     * @param config run-config values of the arm
     * @param perTask run-config values of the arm per train task id
     * @param trainOn the task ids this arm trains on (a subset of the experiment's)
     * @param seeds the seeds this arm runs with (a subset of the experiment's)
     */
    public record Arm(String name, String group, String sweepKey, double sweepValue, Map<String, Object> config,
                      Map<String, Map<String, Object>> perTask, List<String> trainOn, List<Long> seeds) {
        /** @return whether the arm is a point of a sweep */
        public boolean swept() {
            return sweepKey != null;
        }
    }

    /**
     * How every result is evaluated.
     *
     * @param maxNewTokens completion length limit
     * @param samples completions per item for the sampled pass@1 (0: greedy only)
     * @param temperature their temperature
     * @param seed the sampling streams' seed (the same for every evaluation, so arms pair)
     */
    public record Eval(int maxNewTokens, int samples, double temperature, long seed) {
    }

    /**
     * Reads an experiment file.
     *
     * @param file JSON or YAML
     * @return the experiment
     * @throws ConfigException naming the file and key at fault
     * @throws IOException if it cannot be read
     */
    public static ExperimentSpec read(Path file) throws ConfigException, IOException {
        return parse(file.toString(), RunConfig.readValues(file), file.toAbsolutePath().getParent());
    }

    /**
     * Builds an experiment from the file's values.
     *
     * @param source the file, for messages
     * @param values the top-level mapping
     * @param base folder relative paths resolve against
     * @return the experiment
     * @throws ConfigException naming the key at fault
     */
    public static ExperimentSpec parse(String source, Map<String, Object> values, Path base) throws ConfigException {
        Section root = new Section(source, "", values);
        String name = root.string("name", "experiment");
        if (!ID.matcher(name).matches()) {
            throw root.error("name", "'" + name + "' must be letters, digits, '.', '_' or '-' (it names a folder)");
        }
        Map<String, Object> run = root.map("run");
        Map<String, Object> budget = root.map("budget");
        Map<String, Object> common = new LinkedHashMap<>(run);
        for (Map.Entry<String, Object> e : budget.entrySet()) {
            String key = switch (e.getKey()) {
                case "steps" -> "steps";
                case "epochs" -> "epochs";
                case "prompts_per_step", "batch_size" -> "batch_size";
                default -> throw new ConfigException(source + ": budget." + e.getKey()
                        + ": unknown key; valid: steps, epochs, prompts_per_step (batch_size)");
            };
            common.put(key, e.getValue());
        }
        for (String forbidden : List.of("task", "task_options", "seed")) {
            if (common.containsKey(forbidden)) {
                throw new ConfigException(source + ": run." + forbidden + ": set by the experiment for every run ("
                        + (forbidden.equals("seed") ? "seeds" : "tasks") + "), not here");
            }
        }

        List<TaskSpec> tasks = new ArrayList<>();
        Section ts = root.section("tasks");
        if (ts.values.isEmpty()) {
            throw root.error("tasks", "at least one task is needed");
        }
        for (String id : ts.values.keySet()) {
            if (!ID.matcher(id).matches()) {
                throw ts.error(id, "task id '" + id + "' must be letters, digits, '.', '_' or '-'");
            }
            Section t = ts.section(id);
            String plugin = t.require("task");
            Map<String, Object> options = t.map("task_options");
            Path train = t.has("train") ? base.resolve(t.require("train")) : null;
            Path test = t.has("test") ? base.resolve(t.require("test")) : null;
            if (train != null && t.has("train_generate")) {
                throw t.error("train", "give train (a file) or train_generate (items to generate), not both");
            }
            if (test != null && t.has("test_generate")) {
                throw t.error("test", "give test (a file) or test_generate (items to generate), not both");
            }
            tasks.add(new TaskSpec(id, plugin, options, train, (int) t.integer("train_generate", 100, 1, 10_000_000),
                    test, (int) t.integer("test_generate", 100, 1, 10_000_000),
                    (int) t.integer("warm_generate", 0, 0, 10_000_000), t.integer("generate_seed", 2025, 0,
                    Long.MAX_VALUE / 4), t.map("run")));
            t.finish();
        }
        Set<String> ids = new LinkedHashSet<>(tasks.stream().map(TaskSpec::id).toList());
        List<String> trainOn = root.has("train_on") ? root.strings("train_on") : List.copyOf(ids);
        for (String id : trainOn) {
            if (!ids.contains(id)) {
                throw root.error("train_on", "'" + id + "' is not a task of the experiment; tasks: " + ids);
            }
        }
        if (trainOn.isEmpty()) {
            throw root.error("train_on", "at least one task to train on is needed");
        }

        Section b = root.section("base");
        Base baseModel;
        if (b.has("checkpoint")) {
            if (b.has("create") || b.has("warm_start")) {
                throw b.error("checkpoint", "give a checkpoint or a model to create (create, warm_start), not both");
            }
            baseModel = new Base(base.resolve(b.require("checkpoint")), Map.of(), List.of());
        } else {
            List<WarmStage> stages = new ArrayList<>();
            List<Object> list = b.list("warm_start");
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> m)) {
                    throw b.error("warm_start[" + i + "]", "expected a mapping with task and run-config values");
                }
                @SuppressWarnings("unchecked")
                Section w = new Section(source, b.path("warm_start[" + i + "]"), (Map<String, Object>) m);
                String task = w.require("task");
                TaskSpec spec = tasks.stream().filter(t -> t.id().equals(task)).findFirst().orElseThrow(
                        () -> w.error("task", "'" + task + "' is not a task of the experiment; tasks: " + ids));
                if (spec.warmGenerate() == 0) {
                    throw w.error("task", "task '" + task + "' has no warm-start items (set tasks." + task
                            + ".warm_generate)");
                }
                Map<String, Object> stageRun = new LinkedHashMap<>(w.values);
                stageRun.remove("task");
                stages.add(new WarmStage(task, stageRun));
            }
            baseModel = new Base(null, b.map("create"), stages);
        }
        b.finish();

        List<Long> seeds = new ArrayList<>();
        if (root.has("seeds")) {
            for (Object o : root.list("seeds")) {
                if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0) {
                    throw root.error("seeds", "expected whole numbers >= 0, got " + o);
                }
                if (!seeds.contains(n.longValue())) {
                    seeds.add(n.longValue());
                }
            }
        } else {
            seeds.add(1L);
        }
        if (seeds.isEmpty()) {
            throw root.error("seeds", "at least one seed is needed");
        }

        Section e = root.section("evaluation");
        Eval eval = new Eval((int) e.integer("max_new_tokens", 32, 1, 32_768), (int) e.integer("samples", 0, 0, 1000),
                e.number("temperature", 1.0, 1e-3, 100), e.integer("seed", 12345, 0, Long.MAX_VALUE / 4));
        e.finish();

        List<Arm> arms = parseArms(root, ids, trainOn, seeds);
        List<String> references = root.has("reference_arms") ? root.strings("reference_arms")
                : arms.stream().map(Arm::name).filter(n -> n.equals("sft") || n.equals("grpo")).toList();
        for (String r : references) {
            if (arms.stream().noneMatch(a -> a.name().equals(r))) {
                throw root.error("reference_arms", "'" + r + "' is not an arm");
            }
        }
        root.finish();
        return new ExperimentSpec(source, name, baseModel, List.copyOf(tasks), List.copyOf(trainOn), arms,
                List.copyOf(seeds), common, eval, List.copyOf(references));
    }

    private static List<Arm> parseArms(Section root, Set<String> taskIds, List<String> trainOn, List<Long> seeds)
            throws ConfigException {
        List<Arm> arms = new ArrayList<>();
        List<Object> list = root.list("arms");
        if (list.isEmpty()) {
            throw root.error("arms", "at least one arm is needed (e.g. sft, grpo, grpo-d)");
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw root.error("arms[" + i + "]", "expected a mapping with a name");
            }
            @SuppressWarnings("unchecked")
            Section a = new Section(root.source, "arms[" + i + "]", (Map<String, Object>) m);
            String name = a.require("name");
            if (!ID.matcher(name).matches() || name.equals("base")) {
                throw a.error("name", "'" + name + "' must be letters, digits, '.', '_' or '-' and not 'base'"
                        + " (the base is always evaluated)");
            }
            Map<String, Object> config = new LinkedHashMap<>(a.map("config"));
            // The common arm settings may be given directly as well as under config.
            for (String key : List.of("algorithm", "kl_schedule", "rewards")) {
                a.read.add(key);
                if (a.has(key)) {
                    if (config.containsKey(key)) {
                        throw a.error(key, "given both here and under config");
                    }
                    config.put(key, a.values.get(key));
                }
            }
            Map<String, Map<String, Object>> perTask = new LinkedHashMap<>();
            Section pt = a.section("per_task");
            for (String id : pt.values.keySet()) {
                if (!taskIds.contains(id)) {
                    throw pt.error(id, "'" + id + "' is not a task of the experiment; tasks: " + taskIds);
                }
                perTask.put(id, pt.map(id));
            }
            List<String> armTrainOn = a.has("train_on") ? a.strings("train_on") : trainOn;
            for (String id : armTrainOn) {
                if (!trainOn.contains(id)) {
                    throw a.error("train_on", "'" + id + "' is not among the experiment's train_on " + trainOn);
                }
            }
            if (armTrainOn.isEmpty()) {
                throw a.error("train_on", "at least one task to train on is needed");
            }
            List<Long> armSeeds = new ArrayList<>();
            for (Object o : a.has("seeds") ? a.list("seeds") : List.<Object>copyOf(seeds)) {
                if (!(o instanceof Number n) || !seeds.contains(n.longValue()) || n.doubleValue() != n.longValue()) {
                    throw a.error("seeds", "'" + o + "' is not among the experiment's seeds " + seeds);
                }
                if (!armSeeds.contains(n.longValue())) {
                    armSeeds.add(n.longValue());
                }
            }
            if (armSeeds.isEmpty()) {
                throw a.error("seeds", "at least one seed is needed");
            }
            if (a.has("sweep")) {
                Section s = a.section("sweep");
                String key = s.require("key");
                List<Object> points = s.list("values");
                if (points.isEmpty()) {
                    throw s.error("values", "at least one value is needed");
                }
                s.finish();
                for (Object v : points) {
                    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                        throw s.error("values", "expected finite numbers, got " + v);
                    }
                    String point = name + "[" + format(n.doubleValue()) + "]";
                    addName(a, names, point);
                    Map<String, Object> c = ExperimentPlan.deepCopy(config);
                    ExperimentPlan.put(c, key, n.doubleValue());
                    arms.add(new Arm(point, name, key, n.doubleValue(), c, perTask, List.copyOf(armTrainOn),
                            List.copyOf(armSeeds)));
                }
            } else {
                addName(a, names, name);
                arms.add(new Arm(name, name, null, Double.NaN, config, perTask, List.copyOf(armTrainOn),
                            List.copyOf(armSeeds)));
            }
            a.finish();
        }
        return List.copyOf(arms);
    }

    private static void addName(Section a, Set<String> names, String name) throws ConfigException {
        if (!names.add(name)) {
            throw a.error("name", "arm '" + name + "' is given twice");
        }
    }

    /** A sweep value as it appears in arm names and tables: 0.01, 1, 0.25. */
    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** A mapping of the file, read key by key so unknown keys can be named. */
    static final class Section {
        final String source;
        final String prefix;
        final Map<String, Object> values;
        final Set<String> read = new LinkedHashSet<>();

        Section(String source, String prefix, Map<String, Object> values) {
            this.source = source;
            this.prefix = prefix;
            this.values = values == null ? Map.of() : values;
        }

        String path(String key) {
            return prefix.isEmpty() ? key : prefix + "." + key;
        }

        ConfigException error(String key, String message) {
            return new ConfigException(source + ": " + path(key) + ": " + message);
        }

        boolean has(String key) {
            return values.containsKey(key) && values.get(key) != null;
        }

        String require(String key) throws ConfigException {
            if (!has(key)) {
                throw error(key, "missing");
            }
            return string(key, null);
        }

        String string(String key, String def) throws ConfigException {
            read.add(key);
            Object v = values.get(key);
            if (v == null) {
                return def;
            }
            if (v instanceof Map || v instanceof List) {
                throw error(key, "expected a single value, got " + v);
            }
            return v.toString();
        }

        long integer(String key, long def, long min, long max) throws ConfigException {
            read.add(key);
            Object v = values.get(key);
            if (v == null) {
                return def;
            }
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw error(key, "expected a whole number, got " + v);
            }
            if (n.doubleValue() < min || n.doubleValue() > max) {
                throw error(key, "must be between " + min + " and " + max + ", got " + v);
            }
            return n.longValue();
        }

        double number(String key, double def, double min, double max) throws ConfigException {
            read.add(key);
            Object v = values.get(key);
            if (v == null) {
                return def;
            }
            if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
                throw error(key, "expected a number between " + min + " and " + max + ", got " + v);
            }
            return n.doubleValue();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map(String key) throws ConfigException {
            read.add(key);
            Object v = values.get(key);
            if (v == null) {
                return new LinkedHashMap<>();
            }
            if (!(v instanceof Map)) {
                throw error(key, "expected a mapping, got " + v);
            }
            return ExperimentPlan.deepCopy((Map<String, Object>) v);
        }

        Section section(String key) throws ConfigException {
            return new Section(source, path(key), map(key));
        }

        @SuppressWarnings("unchecked")
        List<Object> list(String key) throws ConfigException {
            read.add(key);
            Object v = values.get(key);
            if (v == null) {
                return List.of();
            }
            if (!(v instanceof List)) {
                throw error(key, "expected a list, got " + v);
            }
            return (List<Object>) v;
        }

        List<String> strings(String key) throws ConfigException {
            List<String> out = new ArrayList<>();
            for (Object o : list(key)) {
                if (o == null || o instanceof Map || o instanceof List) {
                    throw error(key, "expected a list of names, got " + o);
                }
                out.add(o.toString());
            }
            return out;
        }

        void finish() throws ConfigException {
            for (String k : values.keySet()) {
                if (!read.contains(k)) {
                    throw error(k, "unknown key" + (read.isEmpty() ? "" : "; valid: "
                            + String.join(", ", read.stream().sorted().toList())));
                }
            }
        }
    }
}
