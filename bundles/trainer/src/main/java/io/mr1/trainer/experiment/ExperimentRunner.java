package io.mr1.trainer.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.backend.Policy;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.core.io.AtomicFiles;
import io.mr1.models.Checkpoints;
import io.mr1.trainer.report.ReportWriter;
import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.Evaluator;
import io.mr1.trainer.run.RunConfig;
import io.mr1.trainer.run.RunFolder;
import io.mr1.trainer.run.TrainingSession;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs an experiment in its folder, resumably: generated data, the created and warm-started
 * base, and each arm run are reused when they are complete (an evaluation's result file is
 * written last, atomically, and marks its part done); a training run whose folder exists but
 * has no result yet is resumed from its last checkpoint by {@link TrainingSession#train}.
 * Results, table and report are rewritten from the result files at the end.
 */
public final class ExperimentRunner {

    /** Written into the folder at the first start; a later start must find the same experiment. */
    static final String SPEC_FILE = "experiment.json";
    /** A training run's folder holds this once it finished (steps and training time). */
    static final String DONE = "experiment-done.json";
    /** The items file a task generates into its folder. */
    static final String DATA = "data.jsonl";

    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    /** The experiment stopped on request; rerunning the command resumes it. */
    public static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stopped on request");
        }
    }

    private final TrainingSession session;
    private final PluginRegistry registry;
    private final PrintStream out;
    private final boolean terminal;
    private final BooleanSupplier stop;

    /**
     * @param session the run driver
     * @param registry installed plugins (tasks and backends for evaluation)
     * @param out where progress goes
     * @param terminal redraw progress lines in place
     * @param stop checked between steps and runs
     */
    public ExperimentRunner(TrainingSession session, PluginRegistry registry, PrintStream out, boolean terminal,
                            BooleanSupplier stop) {
        this.session = session;
        this.registry = registry;
        this.out = out;
        this.terminal = terminal;
        this.stop = stop;
    }

    /**
     * Runs (or resumes) the experiment and writes results.jsonl, table.md and report.html.
     *
     * @param spec the experiment
     * @param values the experiment file's values (kept in the folder to recognise it on resume)
     * @param dir the output folder
     * @return the result lines
     * @throws Stopped if stopped on request (everything finished so far is kept)
     * @throws ConfigException if the folder holds another experiment, or a run's configuration is invalid
     * @throws TrainingSession.SetupException if a run cannot be prepared
     * @throws IOException if writing fails
     */
    public List<JsonObject> run(ExperimentSpec spec, Map<String, Object> values, Path dir)
            throws Stopped, ConfigException, TrainingSession.SetupException, IOException {
        ExperimentPlan plan = new ExperimentPlan(spec, dir);
        plan.validate();
        recordSpec(values, dir);
        long started = System.nanoTime();
        Map<String, Task> tasks = new LinkedHashMap<>();
        Map<String, Path> trainFiles = new LinkedHashMap<>();
        Map<String, List<Sample>> tests = new LinkedHashMap<>();
        for (ExperimentSpec.TaskSpec t : spec.tasks()) {
            Task task = task(spec, t);
            tasks.put(t.id(), task);
            trainFiles.put(t.id(), t.train() != null ? t.train()
                    : generate(task, t.trainGenerate(), t.generateSeed(), plan.generated(t.id(), "train")));
            Path test = t.test() != null ? t.test()
                    : generate(task, t.testGenerate(), t.generateSeed() + 1, plan.generated(t.id(), "test"));
            tests.put(t.id(), load(task, test));
            if (spec.base().checkpoint() == null && t.warmGenerate() > 0) {
                generate(task, t.warmGenerate(), t.generateSeed() + 2, plan.generated(t.id(), "warm"));
            }
        }
        Path base = base(spec, plan, tasks, trainFiles, tests);
        List<ExperimentPlan.ArmRun> runs = plan.runs();
        out.printf(Locale.ROOT, "experiment %s: %d arm run(s) (%d arm(s), %d seed(s)), base %s%n",
                spec.name(), runs.size(), spec.arms().size(), spec.seeds().size(), base);
        String device = runDevice(spec);
        for (ExperimentSpec.TaskSpec t : spec.tasks()) {
            Path file = plan.baseResult(t.id());
            if (!Files.exists(file)) {
                checkStop();
                out.println("evaluating the base on " + t.id() + " (" + tests.get(t.id()).size() + " items) ...");
                Evaluator.Result r = evaluate(spec, base, device, evaluationDtype(spec.run()), tasks.get(t.id()),
                        tests.get(t.id()));
                writeResult(file, line(spec, "base", "base", null, Double.NaN, null, null, t.id(), r, 0, Double.NaN,
                        base));
            }
        }
        double doneSeconds = 0;
        int doneHere = 0;
        for (int i = 0; i < runs.size(); i++) {
            ExperimentPlan.ArmRun run = runs.get(i);
            boolean finished = spec.tasks().stream().allMatch(t -> Files.exists(plan.result(run, t.id())));
            if (finished) {
                continue;
            }
            checkStop();
            String left = doneHere == 0 ? "estimating time left after this run"
                    : "about " + minutes(doneSeconds / doneHere * (runs.size() - i)) + " left";
            out.printf(Locale.ROOT, "[%d/%d] arm %s, seed %d, trained on %s (%s)%n", i + 1, runs.size(),
                    run.arm().name(), run.seed(), run.trainTask(), left);
            long t0 = System.nanoTime();
            Map<String, Object> config = plan.armConfig(run.arm(), run.trainTask(), run.seed(), base,
                    trainFiles.get(run.trainTask()));
            Trained trained = train(config, run.folder(), "arm " + run.label());
            for (ExperimentSpec.TaskSpec t : spec.tasks()) {
                Path file = plan.result(run, t.id());
                if (Files.exists(file)) {
                    continue;
                }
                checkStop();
                out.println("  evaluating on " + t.id() + " (" + tests.get(t.id()).size() + " items) ...");
                Evaluator.Result r = evaluate(spec, trained.checkpoint(), device, trained.dtype(), tasks.get(t.id()),
                        tests.get(t.id()));
                writeResult(file, line(spec, run.arm().name(), run.arm().group(), run.arm().sweepKey(),
                        run.arm().sweepValue(), run.seed(), run.trainTask(), t.id(), r, trained.steps(),
                        trained.seconds(), trained.checkpoint()));
                out.printf(Locale.ROOT, "  %s on %s: greedy %.1f%% (lenient %.1f%%), format %.1f%%%s%n",
                        run.arm().name(), t.id(), 100 * r.accuracy(), 100 * r.lenientAccuracy(), 100 * r.formatRate(),
                        r.sampled() == null ? "" : String.format(Locale.ROOT, ", sampled pass@1 %.1f%%",
                                100 * r.sampled().accuracy()));
            }
            doneSeconds += (System.nanoTime() - t0) / 1e9;
            doneHere++;
        }
        List<JsonObject> lines = collect(spec, plan);
        AtomicFiles.writeLines(dir.resolve("results.jsonl"), lines.stream().map(GSON::toJson).toList());
        Map<String, String> facts = facts(spec, dir, base, tests, trainFiles, tasks,
                (System.nanoTime() - started) / 1e9);
        AtomicFiles.writeString(dir.resolve("table.md"), ExperimentTable.markdown(spec.name(), lines,
                spec.referenceArms(), facts));
        ExperimentReport.write(dir, spec, plan, lines, facts);
        return lines;
    }

    /** What a finished training run gives the evaluation. */
    private record Trained(Path checkpoint, long steps, double seconds, String dtype) {
    }

    private static String minutes(double seconds) {
        return seconds < 90 ? Math.round(seconds) + " s" : String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }

    private void checkStop() throws Stopped {
        if (stop.getAsBoolean()) {
            throw new Stopped();
        }
    }

    /** The base checkpoint: given, or created once over every task's words and warm-started stage by stage. */
    private Path base(ExperimentSpec spec, ExperimentPlan plan, Map<String, Task> tasks, Map<String, Path> trainFiles,
                      Map<String, List<Sample>> tests) throws ConfigException, TrainingSession.SetupException,
            IOException, Stopped {
        if (spec.base().checkpoint() != null) {
            return spec.base().checkpoint();
        }
        Path model = plan.createdModel();
        if (!Files.isRegularFile(model.resolve(Checkpoints.CONFIG))) {
            List<Sample> all = new ArrayList<>();
            for (ExperimentSpec.TaskSpec t : spec.tasks()) {
                all.addAll(load(tasks.get(t.id()), trainFiles.get(t.id())));
                all.addAll(tests.get(t.id()));
                if (t.warmGenerate() > 0) {
                    all.addAll(load(tasks.get(t.id()), plan.generated(t.id(), "warm").resolve(DATA)));
                }
            }
            Map<String, Object> created = new LinkedHashMap<>();
            created.put("task", spec.tasks().get(0).task());
            created.put("model", spec.base().create());
            RunConfig c = RunConfig.parse(spec.source() + " (base.create)", created, plan.dir());
            buildAside(model, staging -> TrainingSession.createTinyModel(staging, c, all));
            out.println("created the base model " + model + " (vocabulary over every task's items)");
        }
        Path current = model;
        for (int i = 0; i < spec.base().warmStart().size(); i++) {
            String taskId = spec.base().warmStart().get(i).task();
            Path warm = plan.generated(taskId, "warm").resolve(DATA);
            Path folder = plan.warmStage(i);
            if (!Files.exists(folder.resolve(DONE))) {
                checkStop();
                out.printf(Locale.ROOT, "warm start %d/%d: SFT on %s%n", i + 1, spec.base().warmStart().size(), taskId);
            }
            current = train(plan.warmConfig(i, current, warm), folder, "base.warm_start[" + i + "]").checkpoint();
        }
        return current;
    }

    /** Trains a run to its end (or resumes it), or reads what a finished one left. */
    private Trained train(Map<String, Object> config, Path folder, String label)
            throws ConfigException, TrainingSession.SetupException, IOException, Stopped {
        Path done = folder.resolve(DONE);
        if (!Files.exists(done)) {
            TrainingSession.Prepared prepared;
            if (Files.exists(folder.resolve(RunFolder.RUN_CONFIG))) {
                prepared = session.reload(folder); // a half-finished run, on the backend its io.mr1.run.cfg names
            } else {
                Files.createDirectories(folder.getParent());
                prepared = session.start(session.prepare(RunConfig.parse(label, config, folder.getParent())), folder,
                        out);
            }
            TrainingSession.Outcome outcome = session.train(prepared, folder, out, terminal, stop);
            if (outcome.stopped()) {
                throw new Stopped();
            }
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("steps", outcome.steps());
            facts.put("train_seconds", trainSeconds(folder));
            facts.put("checkpoint", new RunFolder(folder).checkpointPolicy(outcome.steps()).toString());
            RunFolder.writeJson(done, facts);
        }
        JsonObject o = JsonParser.parseString(Files.readString(done, StandardCharsets.UTF_8)).getAsJsonObject();
        // Evaluated in the dtype it trained in (model.dtype: bfloat16 by default on cuda:N), as mr1 train's final evaluation.
        return new Trained(Path.of(o.get("checkpoint").getAsString()), o.get("steps").getAsLong(),
                o.get("train_seconds").getAsDouble(), new RunFolder(folder).readRunConfig().model().dtype());
    }

    /** Training time of a run, resumes included: the sum of its logged step times. */
    private static double trainSeconds(Path folder) throws IOException {
        List<double[]> times = ReportWriter.readMetrics(folder.resolve("metrics.jsonl"))
                .getOrDefault(io.mr1.api.types.StepStats.KEYS.STEP_TIME, List.of());
        double sum = 0;
        for (double[] t : times) {
            sum += t[1];
        }
        return Math.round(sum * 10) / 10.0;
    }

    private Evaluator.Result evaluate(ExperimentSpec spec, Path checkpoint, String device, String dtype, Task task,
                                      List<Sample> items) throws TrainingSession.SetupException, IOException, Stopped {
        String backendName = spec.run().getOrDefault("backend", "pytorch").toString();
        var backend = TrainingSession.plugin(registry, spec.source() + ": run.backend", PluginKind.BACKEND, "backend",
                backendName, io.mr1.api.backend.PolicyBackend.class);
        Evaluator.SampledPass sampled = spec.eval().samples() == 0 ? null
                : new Evaluator.SampledPass(spec.eval().samples(), spec.eval().temperature(), spec.eval().seed());
        try (Policy policy = backend.load(checkpoint, checkpoint, device, dtype, dtype)) {
            int total = items.size();
            Evaluator.Result r;
            try {
                r = Evaluator.evaluate(policy, task, items, spec.eval().maxNewTokens(), sampled, n -> {
                    if (terminal) {
                        out.printf(Locale.ROOT, "\r  eval %d/%d ", n, total);
                    }
                }, Evaluator.judges(stop));
            } catch (io.mr1.trainer.loop.StepAbandoned e) {
                throw new Stopped(); // a judge was running when the stop came; nothing of this evaluation is kept
            }
            if (terminal) {
                out.println();
            }
            return r;
        }
    }

    /**
     * The dtype the base is evaluated in: the file's {@code run.model.dtype}, else RunConfig's
     * default for the run's device (bfloat16 on cuda:N), as its arms train.
     */
    static String evaluationDtype(Map<String, Object> run) {
        String device = run.getOrDefault("device", "cpu").toString();
        if (run.get("model") instanceof Map<?, ?> model && model.get("dtype") != null) {
            return model.get("dtype").toString();
        }
        return RunConfig.Model.defaultDtype(device);
    }

    private static String runDevice(ExperimentSpec spec) {
        return spec.run().getOrDefault("device", "cpu").toString();
    }

    private Task task(ExperimentSpec spec, ExperimentSpec.TaskSpec t) throws TrainingSession.SetupException {
        Task installed = TrainingSession.plugin(registry, spec.source() + ": tasks." + t.id() + ".task", PluginKind.TASK,
                "task", t.task(), Task.class);
        try {
            return installed.withOptions(t.options());
        } catch (IllegalArgumentException e) {
            throw new TrainingSession.SetupException(spec.source() + ": tasks." + t.id() + ": " + e.getMessage());
        }
    }

    /** Generates a split once (built aside and renamed into place); returns its data file. */
    private Path generate(Task task, int n, long seed, Path folder) throws IOException {
        Path file = folder.resolve(DATA);
        if (Files.isRegularFile(file)) {
            return file;
        }
        out.println("generating " + n + " " + task.name() + " items into " + folder + " ...");
        buildAside(folder, staging -> task.generate(n, seed, staging));
        return file;
    }

    /** What builds a folder's content. */
    private interface FolderBuilder {
        void build(Path staging) throws IOException;
    }

    /** Builds a folder in a hidden sibling and renames it into place: a kill leaves none half-made. */
    private static void buildAside(Path folder, FolderBuilder builder) throws IOException {
        Files.createDirectories(folder.getParent());
        Path staging = AtomicFiles.stagingFolder(folder);
        try {
            builder.build(staging);
            AtomicFiles.commitFolder(staging, folder);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteRecursively(staging);
            throw e;
        }
    }

    private static List<Sample> load(Task task, Path file) throws TrainingSession.SetupException {
        try {
            return task.load(file, false);
        } catch (DataException e) {
            throw new TrainingSession.SetupException(e.getMessage());
        }
    }

    /** The folder holds this experiment, or nothing yet. */
    private static void recordSpec(Map<String, Object> values, Path dir) throws ConfigException, IOException {
        Path file = dir.resolve(SPEC_FILE);
        String json = GSON.toJson(values);
        if (Files.exists(file)) {
            String stored = Files.readString(file, StandardCharsets.UTF_8);
            if (!JsonParser.parseString(stored).equals(JsonParser.parseString(json))) {
                throw new ConfigException(dir + " holds another experiment (its " + SPEC_FILE + " differs from the"
                        + " file given); choose another --out, or remove the folder to start again");
            }
            return;
        }
        Files.createDirectories(dir);
        AtomicFiles.writeString(file, json);
    }

    private static void writeResult(Path file, JsonObject line) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, GSON.toJson(line));
    }

    /** One results.jsonl line: the figures and, per item, what the paired tests need. */
    static JsonObject line(ExperimentSpec spec, String arm, String group, String sweepKey, double sweepValue, Long seed,
                           String trainTask, String testTask, Evaluator.Result r, long steps, double seconds,
                           Path checkpoint) {
        JsonObject o = new JsonObject();
        o.addProperty("experiment", spec.name());
        o.addProperty("arm", arm);
        o.addProperty("group", group);
        if (sweepKey != null) {
            o.addProperty("sweep_key", sweepKey);
            o.addProperty("sweep_value", sweepValue);
        }
        o.addProperty("seed", seed);
        o.addProperty("train_task", trainTask);
        o.addProperty("test_task", testTask);
        o.addProperty("items", r.items());
        o.addProperty("accuracy", r.accuracy());
        o.addProperty("lenient_accuracy", r.lenientAccuracy());
        o.addProperty("format_rate", r.formatRate());
        if (r.sampled() != null) {
            o.addProperty("sampled_accuracy", r.sampled().accuracy());
            o.addProperty("sampled_format_rate", r.sampled().formatRate());
            o.addProperty("samples_per_item", r.sampled().samplesPerItem());
        }
        o.addProperty("steps", steps);
        o.addProperty("wall_time_s", Double.isNaN(seconds) ? null : seconds);
        o.addProperty("checkpoint", checkpoint.toString());
        StringBuilder correct = new StringBuilder();
        for (boolean c : r.correct()) {
            correct.append(c ? '1' : '0');
        }
        o.addProperty("correct", correct.toString());
        if (r.sampled() != null) {
            o.add("sampled_correct", GSON.toJsonTree(r.sampled().correctPerItem()));
        }
        return o;
    }

    /** Every result file in the plan's order: the base, then arm by arm. */
    private static List<JsonObject> collect(ExperimentSpec spec, ExperimentPlan plan) throws IOException {
        List<Path> files = new ArrayList<>();
        spec.tasks().forEach(t -> files.add(plan.baseResult(t.id())));
        for (ExperimentPlan.ArmRun run : plan.runs()) {
            spec.tasks().forEach(t -> files.add(plan.result(run, t.id())));
        }
        List<JsonObject> lines = new ArrayList<>();
        for (Path f : files) {
            lines.add(JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject());
        }
        return lines;
    }

    private static Map<String, String> facts(ExperimentSpec spec, Path dir, Path base, Map<String, List<Sample>> tests,
                                             Map<String, Path> trainFiles, Map<String, Task> tasks, double seconds)
            throws TrainingSession.SetupException {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("base model", base.toString() + (spec.base().checkpoint() == null ? " (created, warm-started by "
                + spec.base().warmStart().size() + " SFT stage(s))" : ""));
        for (ExperimentSpec.TaskSpec t : spec.tasks()) {
            facts.put("task " + t.id(), t.task() + ": " + load(tasks.get(t.id()), trainFiles.get(t.id())).size()
                    + " training items, " + tests.get(t.id()).size() + " test items");
        }
        facts.put("trained on", String.join(", ", spec.trainOn()));
        facts.put("budget", "steps " + spec.run().getOrDefault("steps", spec.run().getOrDefault("epochs", "default"))
                + (spec.run().containsKey("epochs") ? " epochs" : "") + ", prompts per step "
                + spec.run().getOrDefault("batch_size", "default"));
        facts.put("seeds", spec.seeds().toString());
        facts.put("evaluation", "greedy, max " + spec.eval().maxNewTokens() + " new tokens"
                + (spec.eval().samples() == 0 ? "" : "; sampled pass@1 with " + spec.eval().samples()
                + " samples per item at T=" + spec.eval().temperature()));
        facts.put("wall time of this invocation", minutes(seconds));
        try {
            // experiment.json is written once, at the first start; the newest result file is the
            // last evaluation: between them lies the experiment's work, however often it resumed.
            long began = Files.getLastModifiedTime(dir.resolve(SPEC_FILE)).toMillis();
            long last = began;
            try (java.util.stream.Stream<Path> files = Files.walk(dir.resolve("results"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    last = Math.max(last, Files.getLastModifiedTime(f).toMillis());
                }
            }
            facts.put("elapsed from the first start to the last result (pauses between invocations included)",
                    minutes((last - began) / 1000.0));
        } catch (IOException e) {
            // only a fact of the report; leave it out
        }
        return facts;
    }
}
