package io.mr1.trainer.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.WordLevelTokenizerJson;
import io.mr1.trainer.internal.CheckpointStore;
import io.mr1.trainer.internal.GrpoAlgorithm;
import io.mr1.trainer.internal.GrpoRun;
import io.mr1.trainer.internal.GrpoSettings;
import io.mr1.trainer.internal.JsonlMetricsSink;
import io.mr1.trainer.internal.MetricsSink;
import io.mr1.trainer.internal.WeightedReward;
import jakarta.inject.Inject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One training run from a {@link RunConfig}: {@link #prepare} resolves the plugins, loads
 * the data and checks the model without writing anything (so bad input leaves no
 * half-made run folder); {@link #start} builds the run folder aside and renames it into
 * place; {@link #train} runs SFT or GRPO-D to the end (or resumes), writing metrics,
 * samples, checkpoints, evaluations and the report.
 */
public final class TrainingSession {

    /** A problem with the run's input; the message is for the user. */
    public static final class SetupException extends Exception {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what is wrong, naming the file, line or key
         */
        public SetupException(String message) {
            super(message);
        }
    }

    /**
     * Everything a run needs, resolved and validated.
     *
     * @param config the configuration
     * @param configValues the configuration as given (for run-config.json)
     * @param backend the backend
     * @param task the task
     * @param rewards rewards and weights (GRPO)
     * @param scheduleProvider the KL schedule plugin (GRPO)
     * @param scheduleParams its parameters
     * @param train training samples, or null when they are generated into the run folder
     * @param eval evaluation samples, or null when generated (or none when evalGenerate is 0)
     * @param plugins provenance of every plugin the run uses
     */
    public record Prepared(RunConfig config, Map<String, Object> configValues, PolicyBackend backend, Task task,
                           List<WeightedReward> rewards, KlScheduleProvider scheduleProvider,
                           Map<String, String> scheduleParams, List<Sample> train, List<Sample> eval,
                           List<PluginInfo> plugins) {
    }

    /**
     * What a finished run reports.
     *
     * @param runDir the run folder
     * @param steps steps run in total
     * @param last the last step's metrics, if any step ran in this call
     * @param evaluation the final evaluation, if any
     * @param stopped whether it stopped early on request
     */
    public record Outcome(Path runDir, long steps, Optional<StepStats> last, Evaluator.Result evaluation,
                          boolean stopped) {
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .registerTypeHierarchyAdapter(Path.class, (com.google.gson.JsonSerializer<Path>) (path, type, ctx) ->
                    new com.google.gson.JsonPrimitive(path.toString()))
            .create();
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private final PluginRegistry registry;
    private final GrpoRun loop;
    private final GrpoAlgorithm algorithm;

    /**
     * Creates the session driver.
     *
     * @param registry installed plugins
     * @param loop the training loop
     * @param algorithm the GRPO-D step
     */
    @Inject
    public TrainingSession(PluginRegistry registry, GrpoRun loop, GrpoAlgorithm algorithm) {
        this.registry = registry;
        this.loop = loop;
        this.algorithm = algorithm;
    }

    private static String valid(List<String> names) {
        return names.isEmpty() ? "(none installed)" : String.join(", ", names);
    }

    /**
     * Resolves and validates a run; writes nothing.
     *
     * @param config the configuration
     * @param configValues the values as given
     * @return the prepared run
     * @throws SetupException naming the plugin, file, line or key at fault
     */
    public Prepared prepare(RunConfig config, Map<String, Object> configValues) throws SetupException {
        PolicyBackend backend = registry.backend(config.backend()).orElseThrow(() -> new SetupException(
                config.source() + ": backend: unknown backend '" + config.backend() + "'; installed: "
                        + valid(registry.names(PluginKind.BACKEND))));
        Task task = registry.task(config.task()).orElseThrow(() -> new SetupException(config.source()
                + ": task: unknown task '" + config.task() + "'; installed: " + valid(registry.names(PluginKind.TASK))));
        List<WeightedReward> rewards = new ArrayList<>();
        KlScheduleProvider provider = null;
        Map<String, String> params = new LinkedHashMap<>(config.klSchedule());
        String scheduleName = params.remove("name");
        if (config.algorithm().equals("grpo")) {
            Map<String, Double> wanted = new LinkedHashMap<>(config.rewards());
            if (wanted.isEmpty()) {
                task.defaultRewards().forEach(r -> wanted.put(r, Double.NaN));
            }
            for (Map.Entry<String, Double> e : wanted.entrySet()) {
                RewardFunction fn = registry.reward(e.getKey()).orElseThrow(() -> new SetupException(config.source()
                        + ": rewards." + e.getKey() + ": unknown reward '" + e.getKey() + "'; installed: "
                        + valid(registry.names(PluginKind.REWARD))));
                rewards.add(new WeightedReward(fn, e.getKey(), e.getValue().isNaN() ? fn.weight() : e.getValue()));
            }
            provider = registry.klSchedule(scheduleName).orElseThrow(() -> new SetupException(config.source()
                    + ": kl_schedule.name: unknown KL schedule '" + scheduleName + "'; installed: "
                    + valid(registry.names(PluginKind.KL_SCHEDULE))));
            try {
                provider.create(params); // validates the parameters now, before anything is written
            } catch (IllegalArgumentException e) {
                throw new SetupException(config.source() + ": kl_schedule: " + e.getMessage());
            }
        }
        List<Sample> train = null;
        List<Sample> eval = null;
        try {
            if (config.data().train() != null) {
                train = task.load(config.data().train(), config.data().skipBad());
                if (train.isEmpty()) {
                    throw new SetupException(config.data().train() + ": no usable training items");
                }
            }
            if (config.data().eval() != null) {
                eval = task.load(config.data().eval(), config.data().skipBad());
            }
            if (train != null) {
                requireThinking(config, train);
            }
        } catch (DataException e) {
            throw new SetupException(e.getMessage() + (config.data().skipBad() ? ""
                    : " (set data.skip_bad: true to skip such items)"));
        }
        if (config.model().checkpoint() != null
                && !Files.isRegularFile(config.model().checkpoint().resolve(Checkpoints.CONFIG))) {
            throw new SetupException(config.source() + ": model.checkpoint: " + config.model().checkpoint()
                    + " is not a checkpoint folder (no " + Checkpoints.CONFIG + ")");
        }
        Set<String> used = new LinkedHashSet<>(List.of(config.backend(), config.task()));
        rewards.forEach(r -> used.add(r.name()));
        if (provider != null) {
            used.add(scheduleName);
        }
        List<PluginInfo> plugins = registry.plugins().stream().filter(p -> used.contains(p.name())).toList();
        return new Prepared(config, configValues, backend, task, rewards, provider, params, train, eval, plugins);
    }

    /**
     * Creates the run folder: generated data, the initial model (when created), run-config.json
     * and config.json, all built in a hidden sibling folder and renamed into place.
     *
     * @param p the prepared run
     * @param runDir the run folder to create (must not exist or be empty)
     * @param progress where to report generation
     * @return the prepared run with its data loaded
     * @throws SetupException if the folder exists, or generated data cannot be read back
     * @throws IOException if writing fails (nothing is left behind)
     */
    public Prepared start(Prepared p, Path runDir, PrintStream progress) throws SetupException, IOException {
        if (Files.exists(runDir) && (!Files.isDirectory(runDir) || Files.list(runDir).findAny().isPresent())) {
            throw new SetupException("run folder " + runDir + " already exists and is not empty (use --resume "
                    + runDir + " to continue it, or choose another --out)");
        }
        Files.deleteIfExists(runDir);
        Path staging = Checkpoints.staging(runDir);
        try {
            RunConfig c = p.config();
            List<Sample> train = p.train();
            List<Sample> eval = p.eval();
            if (train == null) {
                progress.println("generating " + c.data().trainGenerate() + " training items for " + c.task() + " ...");
                p.task().generate(c.data().trainGenerate(), c.data().generateSeed(), staging.resolve("data/train"));
            }
            if (eval == null && c.data().evalGenerate() > 0) {
                progress.println("generating " + c.data().evalGenerate() + " held-out evaluation items ...");
                p.task().generate(c.data().evalGenerate(), c.data().generateSeed() + 1, staging.resolve("data/eval"));
            }
            // Generated training items are read back once, and only when something needs them
            // (items from a file were checked in prepare).
            List<Sample> trainItems = train;
            if (trainItems == null && (usesThinking(c) || c.model().checkpoint() == null)) {
                trainItems = load(p.task(), staging.resolve("data/train/data.jsonl"));
                requireThinking(c, trainItems);
            }
            Map<String, Object> values = new LinkedHashMap<>(p.configValues());
            Map<String, Object> data = new LinkedHashMap<>(asMap(values.get("data")));
            if (train == null) {
                data.put("train", runDir.resolve("data/train/data.jsonl").toString());
            }
            if (eval == null && c.data().evalGenerate() > 0) {
                data.put("eval", runDir.resolve("data/eval/data.jsonl").toString());
            }
            values.put("data", data);
            if (c.model().checkpoint() == null) {
                List<Sample> all = new ArrayList<>(trainItems);
                if (eval != null) {
                    all.addAll(eval);
                } else if (c.data().evalGenerate() > 0) {
                    all.addAll(load(p.task(), staging.resolve("data/eval/data.jsonl")));
                }
                createTinyModel(staging.resolve("model-init"), c, all);
                Map<String, Object> model = new LinkedHashMap<>();
                model.put("checkpoint", runDir.resolve("model-init").toString());
                values.put("model", model);
            }
            Files.writeString(staging.resolve("run-config.json"), GSON.toJson(values), StandardCharsets.UTF_8);
            Checkpoints.commit(staging, runDir);
        } catch (IOException | SetupException | RuntimeException e) {
            Checkpoints.deleteRecursively(staging);
            throw e;
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    private static List<Sample> load(Task task, Path file) throws SetupException {
        try {
            return task.load(file, false);
        } catch (DataException e) {
            throw new SetupException("generated data does not load back: " + e.getMessage());
        }
    }

    /** An SFT target that uses {thinking} needs a reference reasoning in every training item. */
    static void requireThinking(RunConfig c, List<Sample> train) throws SetupException {
        if (!usesThinking(c)) {
            return;
        }
        for (Sample s : train) {
            if (s.thinking().isEmpty()) {
                throw new SetupException(c.source() + ": sft.target_template uses {thinking} but training item "
                        + s.id() + " has no \"thinking\" (the " + c.task() + " data provides none there)");
            }
        }
    }

    private static boolean usesThinking(RunConfig c) {
        return c.algorithm().equals("sft") && c.sftTemplate().contains("{thinking}");
    }

    /** The SFT target of one item: the template with its answer and reference reasoning filled in. */
    static String sftTarget(RunConfig c, Sample s) {
        return c.sftTemplate().replace("{thinking}", s.thinking()).replace("{answer}", s.solution());
    }

    /** A tiny model whose word-level vocabulary covers every word of the run's prompts and answers. */
    static void createTinyModel(Path dir, RunConfig c, List<Sample> samples) throws IOException {
        Set<String> words = new LinkedHashSet<>();
        for (int i = 0; i <= 100; i++) {
            words.add(Integer.toString(i));
        }
        words.addAll(List.of("user", "assistant", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine", "ten"));
        addWords(words, c.sftTemplate());
        for (Sample s : samples) {
            addWords(words, s.prompt().text());
            addWords(words, s.solution());
            addWords(words, s.thinking());
        }
        Map<String, Integer> vocab = WordLevelTokenizerJson.vocabulary(new ArrayList<>(words));
        int h = c.model().hiddenSize();
        ModelConfig config = ModelConfig.tiny(vocab).withDecoder(h, h * 3, c.model().layers(), Math.max(1, h / 32),
                Math.max(1, h / 64));
        // Images are resized to at most image_size^2 pixels (aspect ratio kept, sides multiples of 28).
        int pixels = c.model().imageSize() * c.model().imageSize();
        ImageProcessorConfig images = ImageProcessorConfig.of(config.visionConfig(),
                Math.min(ImageProcessorConfig.DEFAULT_MIN_PIXELS, pixels), pixels);
        Checkpoints.createRandom(dir, config, images, vocab, c.model().createSeed());
    }

    private static void addWords(Set<String> words, String text) {
        String plain = text.replaceAll("<[^\\s<>]+>", " "); // tags are special tokens already
        Matcher m = WORD.matcher(plain);
        while (m.find()) {
            words.add(m.group());
        }
    }

    /**
     * Re-reads a run folder's configuration (for --resume).
     *
     * @param runDir the run folder
     * @return the values as stored
     * @throws SetupException if the folder is not a run folder
     * @throws IOException if it cannot be read
     */
    public static Map<String, Object> storedConfig(Path runDir) throws SetupException, IOException {
        Path file = runDir.resolve("run-config.json");
        if (!Files.isRegularFile(file)) {
            throw new SetupException(runDir + " is not an mr1 run folder (no run-config.json)");
        }
        return new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8),
                new com.google.gson.reflect.TypeToken<LinkedHashMap<String, Object>>() { }.getType());
    }

    /**
     * Runs (or resumes) training in a run folder created by {@link #start}.
     *
     * @param p the prepared run, read back from the run folder
     * @param runDir the run folder
     * @param out where progress goes
     * @param terminal draw a progress bar instead of log lines
     * @param stop checked between steps: a checkpoint is written and the run returns
     * @return the outcome
     * @throws IOException if the run cannot write
     * @throws SetupException if the run folder does not match the configuration
     */
    public Outcome train(Prepared p, Path runDir, PrintStream out, boolean terminal, BooleanSupplier stop)
            throws IOException, SetupException {
        RunConfig c = p.config();
        List<Sample> train = p.train();
        long total = c.totalSteps(train.size());
        writeResolvedConfig(p, runDir, total);
        GrpoSettings settings = new GrpoSettings(new SamplingParams(c.grpo().numGenerations(), c.grpo().temperature(),
                c.grpo().topP(), c.grpo().topK(), c.grpo().maxCompletionLength(), c.seed()), c.grpo().mu(),
                c.grpo().epsilon(), c.grpo().epsilonHigh(), c.grpo().estimator(), c.grpo().aggregation(),
                c.grpo().scaleRewards(), io.mr1.objective.Advantages.DEFAULT_EPS, c.optimizerFor(total),
                c.grpo().microBatchSize());
        GrpoRun.Spec spec = new GrpoRun.Spec(train, p.rewards(), settings, total, c.batchSize(), c.checkpointEvery(),
                runDir, c.model().checkpoint(), c.device());
        KlSchedule schedule = p.scheduleProvider() == null ? NO_SCHEDULE : p.scheduleProvider().create(p.scheduleParams());
        GrpoRun.StepFunction step = c.algorithm().equals("sft") ? sftStep(c, settings)
                : (policy, batch, s, t) -> algorithm.step(policy, batch, p.rewards(), schedule, s, t, settings);
        Path metrics = runDir.resolve("metrics.jsonl");
        Optional<CheckpointStore.Checkpoint> resumeFrom = new CheckpointStore().latest(runDir);
        long startStep = resumeFrom.map(cp -> cp.state().step()).orElse(0L);
        JsonlMetricsSink.truncateFrom(metrics, startStep);
        truncateSamples(runDir.resolve("samples.jsonl"), startStep);
        Progress progress = new Progress(out, terminal, c.algorithm().equals("sft") ? "sft " : "grpo", total);
        if (startStep > 0) {
            progress.message("resuming " + runDir + " at step " + startStep + " of " + total);
        }
        List<ReportWriter.EvalRow> evals = new ArrayList<>();
        Evaluator.Result[] lastEval = {null};
        boolean[] stopped = {false};
        BooleanSupplier stopCheck = () -> {
            boolean s = stop.getAsBoolean();
            stopped[0] |= s;
            return s;
        };
        Optional<StepStats> last;
        try (JsonlMetricsSink sink = new JsonlMetricsSink(metrics);
             BufferedWriter samples = Files.newBufferedWriter(runDir.resolve("samples.jsonl"), StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            List<MetricsSink> sinks = List.of(sink, progress);
            GrpoRun.StepHook hook = (policy, outcome) -> {
                long done = outcome.stats().step() + 1;
                if (c.samplesEvery() > 0 && (outcome.stats().step() % c.samplesEvery() == 0)) {
                    writeSamples(samples, outcome, train, c, outcome.stats().step(), total);
                }
                if (c.evalEvery() > 0 && done % c.evalEvery() == 0 && done < total && p.eval() != null) {
                    Evaluator.Result r = evaluate(policy, p, c, progress, "step " + done);
                    evals.add(new ReportWriter.EvalRow("step " + done, r));
                    writeEval(runDir, "step-" + done, r);
                }
            };
            last = loop.run(p.backend(), schedule, spec, step, sinks, hook, stopCheck);
        }
        if (!stopped[0] && p.eval() != null && !p.eval().isEmpty()) {
            Path finalCheckpoint = runDir.resolve("checkpoints/step-" + total + "/" + CheckpointStore.POLICY);
            try (Policy policy = p.backend().load(finalCheckpoint, c.model().checkpoint(), c.device())) {
                lastEval[0] = evaluate(policy, p, c, progress, "final");
            }
            evals.removeIf(e -> e.label().equals("final (step " + total + ")"));
            evals.add(new ReportWriter.EvalRow("final (step " + total + ")", lastEval[0]));
            writeEval(runDir, "step-" + total, lastEval[0]);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("algorithm", c.algorithm());
        facts.put("task", c.task());
        facts.put("backend", c.backend() + " on " + c.device());
        facts.put("steps", Long.toString(total));
        facts.put("plugins", p.plugins().stream().map(i -> i.name() + " (" + i.bundle() + " " + i.version() + ")")
                .reduce((a, b) -> a + ", " + b).orElse(""));
        ReportWriter.write(runDir, "mr1 run: " + runDir.getFileName(), evals, facts);
        return new Outcome(runDir, total, last, lastEval[0], stopped[0]);
    }

    private Evaluator.Result evaluate(Policy policy, Prepared p, RunConfig c, Progress progress, String label) {
        progress.message("evaluating (" + label + ") on " + p.eval().size() + " held-out items ...");
        Evaluator.SampledPass sampled = c.data().evalSamples() == 0 ? null
                : new Evaluator.SampledPass(c.data().evalSamples(), c.data().evalTemperature(), SAMPLED_EVAL_SEED);
        Evaluator.Result r = Evaluator.evaluate(policy, p.task(), p.eval(), c.data().evalMaxNewTokens(), sampled,
                done -> { });
        String message = String.format(java.util.Locale.ROOT, "eval %s: accuracy %.1f%% (lenient %.1f%%), format %.1f%%",
                label, 100 * r.accuracy(), 100 * r.lenientAccuracy(), 100 * r.formatRate());
        if (r.sampled() != null) {
            message += String.format(java.util.Locale.ROOT, "; sampled pass@1 %.1f%% (%d per item, T=%s)",
                    100 * r.sampled().accuracy(), r.sampled().samplesPerItem(), r.sampled().temperature());
        }
        progress.message(message);
        return r;
    }

    static void writeEval(Path runDir, String name, Evaluator.Result r) throws IOException {
        Path dir = runDir.resolve("eval");
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("items", r.items());
        json.put("accuracy", r.accuracy());
        json.put("lenient_accuracy", r.lenientAccuracy());
        json.put("format_rate", r.formatRate());
        putSampled(json, r);
        json.put("outputs", r.outputs());
        Path tmp = dir.resolve("." + name + ".json.tmp");
        Files.writeString(tmp, GSON.toJson(json), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(name + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Seed of the sampled pass@1 streams: fixed, not the run's seed, so that evaluations of
     * different runs on the same held-out file (before and after GRPO-D) are paired.
     */
    static final long SAMPLED_EVAL_SEED = 12345;

    /** Adds the sampled pass@1 keys when it was measured. */
    static void putSampled(Map<String, Object> json, Evaluator.Result r) {
        if (r.sampled() != null) {
            json.put("sampled_accuracy", r.sampled().accuracy());
            json.put("sampled_format_rate", r.sampled().formatRate());
            json.put("samples_per_item", r.sampled().samplesPerItem());
            json.put("sample_temperature", r.sampled().temperature());
        }
    }

    private static final KlSchedule NO_SCHEDULE = (step, total) -> 0.0;

    /** SFT: cross-entropy on each sample's target (sft.target_template with {answer} and {thinking} filled in). */
    private static GrpoRun.StepFunction sftStep(RunConfig c, GrpoSettings settings) {
        return (policy, batch, step, total) -> {
            List<io.mr1.api.types.Prompt> prompts = batch.stream().map(Sample::prompt).toList();
            List<Completion> targets = batch.stream().map(s -> policy.encodeTarget(s.id(),
                    sftTarget(c, s))).toList();
            StepResult r = policy.step(new TrainingBatch(prompts, targets, new double[batch.size()], List.of(),
                    List.of(), settings.microBatchSize()), new PolicyLoss.Sft(), settings.optimizer(), step);
            Map<String, Double> values = new LinkedHashMap<>();
            values.put(StepStats.KEYS.LOSS, r.loss());
            values.put(StepStats.KEYS.GRAD_NORM, r.gradNorm());
            values.put(StepStats.KEYS.COMPLETION_LENGTH,
                    targets.stream().mapToInt(Completion::length).average().orElse(0));
            values.put("learning_rate", settings.optimizer().learningRateAt(step));
            return new GrpoAlgorithm.Outcome(new StepStats(step, values), List.of(), List.of());
        };
    }

    private static void writeSamples(BufferedWriter out, GrpoAlgorithm.Outcome outcome, List<Sample> train, RunConfig c,
                                     long step, long total) throws IOException {
        for (int i = 0; i < outcome.completions().size(); i++) {
            List<Completion> group = outcome.completions().get(i);
            List<RewardBreakdown> rewards = outcome.breakdowns().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("prompt_id", group.isEmpty() ? "" : group.get(0).promptId());
            List<Map<String, Object>> items = new ArrayList<>();
            for (int j = 0; j < group.size(); j++) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("text", group.get(j).text());
                item.put("tokens", group.get(j).length());
                item.put("rewards", rewards.get(j).scores());
                item.put("total", rewards.get(j).total());
                if (!rewards.get(j).faults().isEmpty()) {
                    item.put("faults", rewards.get(j).faults());
                }
                items.add(item);
            }
            row.put("completions", items);
            out.write(new Gson().toJson(row));
            out.newLine();
        }
        out.flush();
    }

    /** Drops samples.jsonl lines of steps at or after a resume point (torn lines too). */
    private static void truncateSamples(Path file, long step) throws IOException {
        JsonlMetricsSink.truncateFrom(file, step);
    }

    /** config.json: the resolved configuration with every plugin's bundle and version. */
    private void writeResolvedConfig(Prepared p, Path runDir, long total) throws IOException {
        Map<String, Object> resolved = new LinkedHashMap<>();
        resolved.put("config", p.config());
        resolved.put("total_steps", total);
        resolved.put("train_items", p.train().size());
        resolved.put("eval_items", p.eval() == null ? 0 : p.eval().size());
        List<Map<String, String>> plugins = new ArrayList<>();
        for (PluginInfo info : p.plugins()) {
            plugins.add(Map.of("kind", info.kind().label(), "name", info.name(), "bundle", info.bundle(),
                    "version", info.version()));
        }
        resolved.put("plugins", plugins);
        resolved.put("java", System.getProperty("java.version"));
        Path tmp = runDir.resolve(".config.json.tmp");
        Files.writeString(tmp, GSON.toJson(resolved), StandardCharsets.UTF_8);
        Files.move(tmp, runDir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
