package io.mr1.trainer.run;

import com.google.inject.Injector;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.api.types.StepStats;
import io.mr1.core.io.AtomicFiles;
import io.mr1.core.io.ImageFiles;
import io.mr1.models.Checkpoints;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import io.mr1.models.WordLevelTokenizerJson;
import io.mr1.trainer.grpo.WeightedReward;
import io.mr1.trainer.loop.StepAlgorithm;
import io.mr1.trainer.loop.TrainingListener;
import io.mr1.trainer.loop.TrainingLoop;
import io.mr1.trainer.report.ReportWriter;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.stream.Stream;

/**
 * One training run from a {@link RunConfig}: {@link #prepare} resolves the plugins, loads
 * the data and checks the model without writing anything (so bad input leaves no
 * half-made run folder); {@link #start} builds the run folder aside and renames it into
 * place; {@link #train} wires the run's {@link StepAlgorithm} and listeners in a child of the
 * trainer's private injector ({@link RunModule}), runs the {@link TrainingLoop} to the end
 * (or resumes it) and writes the report.
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
     * @param backend the backend
     * @param task the task
     * @param rewards rewards and weights (GRPO)
     * @param scheduleProvider the KL schedule plugin (GRPO)
     * @param train training samples, or null when they are generated into the run folder
     * @param eval evaluation samples, or null when generated (or none when evalGenerate is 0)
     * @param plugins provenance of every plugin the run uses
     */
    public record Prepared(RunConfig config, PolicyBackend backend, Task task, List<WeightedReward> rewards,
                           KlScheduleProvider scheduleProvider, List<Sample> train, List<Sample> eval,
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

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(
            TrainingSession.class.getName());
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private final PluginRegistry registry;
    private final TrainingLoop loop;
    private final Injector injector;
    private final BackendControl backends;
    private final Reporters reporters;

    /**
     * Creates the session driver.
     *
     * @param registry installed plugins
     * @param loop the training loop
     * @param injector the trainer's private injector (each run's parts are bound in a child of it)
     * @param backends the installed backends and the running run's backend setting
     * @param reporters the installed report_to reporters
     */
    @Inject
    public TrainingSession(PluginRegistry registry, TrainingLoop loop, Injector injector, BackendControl backends,
                           Reporters reporters) {
        this.registry = registry;
        this.loop = loop;
        this.injector = injector;
        this.backends = backends;
        this.reporters = reporters;
    }

    private static String valid(List<String> names) {
        return names.isEmpty() ? "(none installed)" : String.join(", ", names);
    }

    /**
     * The one plugin a configuration key names ({@link PluginRegistry#unique}): a name nothing
     * provides, or that two bundles provide (which would win differs between two copies of a
     * distribution), is an error naming the key.
     */
    private <T> T plugin(RunConfig config, String key, PluginKind kind, String noun, String name, Class<T> type)
            throws SetupException {
        return plugin(registry, config.source() + ": " + key, kind, noun, name, type);
    }

    /**
     * The one plugin a setting names ({@link PluginRegistry#unique}), for every file that names
     * plugins (run configs, experiment files).
     *
     * @param registry the installed plugins
     * @param where the file and key, for the message ({@code exp.yaml: tasks.counting.task}; empty: none)
     * @param kind the kind
     * @param noun the kind in words ({@code KL schedule})
     * @param name the name
     * @param type the kind's service type
     * @param <T> that type
     * @return the plugin
     * @throws SetupException if nothing or two bundles provide the name
     */
    public static <T> T plugin(PluginRegistry registry, String where, PluginKind kind, String noun, String name,
                               Class<T> type) throws SetupException {
        String at = where.isEmpty() ? "" : where + ": ";
        try {
            return registry.unique(kind, name, type).orElseThrow(() -> new SetupException(at + "unknown " + noun
                    + " '" + name + "'; installed: " + valid(registry.names(kind))));
        } catch (io.mr1.api.plugin.DuplicatePluginException e) {
            throw new SetupException(at + e.withRemedy());
        }
    }

    /**
     * Resolves and validates a run; writes nothing.
     *
     * @param config the configuration
     * @return the prepared run
     * @throws SetupException naming the plugin, file, line or key at fault
     */
    public Prepared prepare(RunConfig config) throws SetupException {
        PolicyBackend backend = plugin(config, "backend", PluginKind.BACKEND, "backend", config.backend(),
                PolicyBackend.class);
        for (String[] key : new String[][] {{"dtype", config.model().dtype()},
            {"reference_dtype", config.model().referenceDtype()}}) {
            if (!backend.weightDtypes().contains(key[1])) {
                throw new SetupException(config.source() + ": model." + key[0] + ": backend '" + config.backend()
                        + "' cannot hold weights in " + key[1] + "; it holds " + valid(List.copyOf(new java.util.TreeSet<>(backend.weightDtypes()))));
            }
        }
        Task installed = plugin(config, "task", PluginKind.TASK, "task", config.task(), Task.class);
        Task task;
        try {
            // A task instance for this run only: the shared service and its ConfigAdmin stay as they are.
            task = installed.withOptions(config.taskOptions());
        } catch (IllegalArgumentException e) {
            throw new SetupException(config.source() + ": " + e.getMessage());
        }
        List<WeightedReward> rewards = new ArrayList<>();
        KlScheduleProvider provider = null;
        String scheduleName = config.klSchedule().name();
        if (config.algorithm().equals("grpo")) {
            Map<String, Double> wanted = new LinkedHashMap<>(config.rewards());
            if (wanted.isEmpty()) {
                task.defaultRewards().forEach(r -> wanted.put(r, Double.NaN));
            }
            for (Map.Entry<String, Double> e : wanted.entrySet()) {
                RewardFunction fn = plugin(config, "rewards." + e.getKey(), PluginKind.REWARD, "reward", e.getKey(),
                        RewardFunction.class);
                rewards.add(new WeightedReward(fn, e.getKey(), e.getValue().isNaN() ? fn.weight() : e.getValue()));
            }
            provider = plugin(config, "kl_schedule.name", PluginKind.KL_SCHEDULE, "KL schedule", scheduleName,
                    KlScheduleProvider.class);
            try {
                provider.create(config.klSchedule().overrides()); // validates the parameters now, before anything is written
            } catch (IllegalArgumentException e) {
                throw new SetupException(config.source() + ": kl_schedule: " + e.getMessage());
            }
        }
        try {
            reporters.resolve(config.reportTo());
        } catch (IllegalArgumentException e) {
            throw new SetupException(config.source() + ": report_to: " + e.getMessage());
        }
        List<Sample> train = null;
        List<Sample> eval = null;
        try {
            if (config.data().train() != null) {
                train = checkImages(config, config.data().train(),
                        task.load(config.data().train(), config.data().skipBad()));
                if (train.isEmpty()) {
                    throw new SetupException(config.data().train() + ": no usable training items");
                }
            }
            if (config.data().eval() != null) {
                eval = checkImages(config, config.data().eval(),
                        task.load(config.data().eval(), config.data().skipBad()));
            }
            if (train != null) {
                requireThinking(config, train);
            }
        } catch (DataException e) {
            // Only the errors skip_bad covers (a missing image) get its hint, in the config's words.
            throw new SetupException(e.getMessage().replace("load with skipBad", "set data.skip_bad: true"));
        }
        if (config.model().checkpoint() != null) {
            checkModelFolder(config);
        }
        Set<String> used = new LinkedHashSet<>(List.of(config.backend(), config.task()));
        rewards.forEach(r -> used.add(r.name()));
        if (provider != null) {
            used.add(scheduleName);
        }
        List<PluginInfo> plugins = registry.plugins().stream().filter(p -> used.contains(p.name())).toList();
        return new Prepared(config, backend, task, rewards, provider, train, eval, plugins);
    }

    /**
     * Creates the run folder: generated data, the initial model (when created), run-config.json
     * and config.json, all built in a hidden sibling folder and renamed into place.
     *
     * @param p the prepared run
     * @param runDir the run folder to create (must not exist or be empty)
     * @param progress where to report generation
     * @return the run as stored in its folder ({@code run-config.json}), ready for {@link #train}:
     *     prepared again only when data was generated into the folder (to load and check it),
     *     otherwise {@code p}'s plugins and data with the stored configuration
     * @throws SetupException if the folder exists, or generated data cannot be read back
     * @throws IOException if writing fails (nothing is left behind)
     */
    public Prepared start(Prepared p, Path runDir, PrintStream progress) throws SetupException, IOException {
        if (Files.exists(runDir) && (!Files.isDirectory(runDir) || !isEmpty(runDir))) {
            throw new SetupException("run folder " + runDir + " already exists and is not empty (use --resume "
                    + runDir + " to continue it, or choose another --out)");
        }
        Files.deleteIfExists(runDir);
        Path staging = AtomicFiles.stagingFolder(runDir);
        try {
            RunConfig c = p.config();
            List<Sample> train = p.train();
            List<Sample> eval = p.eval();
            if (train == null) {
                progress.println("generating " + c.data().trainGenerate() + " training items for " + c.task() + " ...");
                p.task().generate(c.data().trainGenerate(), c.data().generateSeed(), RunFolder.generated(staging, "train"));
            }
            if (eval == null && c.data().evalGenerate() > 0) {
                progress.println("generating " + c.data().evalGenerate() + " held-out evaluation items ...");
                p.task().generate(c.data().evalGenerate(), c.data().generateSeed() + 1, RunFolder.generated(staging, "eval"));
            }
            // Generated training items are read back once, and only when something needs them
            // (items from a file were checked in prepare).
            List<Sample> trainItems = train;
            if (trainItems == null && (usesThinking(c) || c.model().checkpoint() == null)) {
                trainItems = load(p.task(), RunFolder.generatedJsonl(staging, "train"));
                requireThinking(c, trainItems);
            }
            Path trainFile = train == null ? RunFolder.generatedJsonl(runDir, "train") : c.data().train();
            Path evalFile = eval == null && c.data().evalGenerate() > 0 ? RunFolder.generatedJsonl(runDir, "eval")
                    : c.data().eval();
            Path model = c.model().checkpoint();
            if (model == null) {
                List<Sample> all = new ArrayList<>(trainItems);
                if (eval != null) {
                    all.addAll(eval);
                } else if (c.data().evalGenerate() > 0) {
                    all.addAll(load(p.task(), RunFolder.generatedJsonl(staging, "eval")));
                }
                createTinyModel(RunFolder.createdModel(staging), c, all);
                model = RunFolder.createdModel(runDir);
            }
            RunFolder.writeRunConfig(staging, c.withFiles(trainFile, evalFile, model));
            AtomicFiles.commitFolder(staging, runDir);
        } catch (IOException | SetupException | RuntimeException e) {
            Checkpoints.deleteRecursively(staging);
            throw e;
        }
        // A new run trains on the configuration as stored, exactly as its --resume will.
        try {
            RunConfig stored = new RunFolder(runDir).readRunConfig();
            boolean generated = p.train() == null || (p.eval() == null && p.config().data().evalGenerate() > 0);
            return generated ? prepare(stored) : new Prepared(stored, p.backend(), p.task(), p.rewards(),
                    p.scheduleProvider(), p.train(), p.eval(), p.plugins());
        } catch (IOException | SetupException | RuntimeException e) {
            Checkpoints.deleteRecursively(runDir); // just made, never trained: nothing half-made is left
            throw e;
        }
    }

    /**
     * The run as stored in its folder, prepared, on the backend its {@link BackendControl#FILE}
     * names when a switch mid-run changed it: what a resume ({@code mr1 train --resume}, an
     * experiment's half-finished arm) trains.
     *
     * @param runDir the run folder
     * @return the prepared run
     * @throws SetupException if the folder is not a run folder, or the run cannot be prepared
     * @throws IOException if the folder cannot be read
     */
    public Prepared reload(Path runDir) throws SetupException, IOException {
        RunConfig stored = new RunFolder(runDir).readRunConfig();
        String backend = BackendControl.configured(runDir).orElse(stored.backend());
        return prepare(backend.equals(stored.backend()) ? stored : stored.withBackend(backend));
    }

    /**
     * Every image of every item, checked by header, size and ending (not decoded): a broken or
     * oversized image fails the run now, not when its item is drawn. With skip_bad the item is
     * left out instead (and said so).
     */
    static List<Sample> checkImages(RunConfig config, Path file, List<Sample> samples) throws SetupException {
        List<Sample> kept = new ArrayList<>(samples.size());
        int skipped = 0;
        for (Sample s : samples) {
            String problem = null;
            for (io.mr1.api.types.ImageRef image : s.prompt().images()) {
                String p = ImageFiles.problem(image.path(), config.data().maxImagePixels(), "data.max_image_pixels");
                if (p != null) {
                    problem = "item " + s.id() + ": image " + image.path() + ": " + p;
                    break;
                }
            }
            if (problem == null) {
                kept.add(s);
            } else if (config.data().skipBad()) {
                skipped++;
                LOG.warning(file + ": skipped " + problem);
            } else {
                throw new SetupException(file + ": " + problem + " (or set data.skip_bad: true to skip such items)");
            }
        }
        if (skipped > 0) {
            LOG.warning(file + ": " + skipped + " item(s) skipped for bad images (data.skip_bad)");
        }
        return kept;
    }

    /** model.checkpoint: a folder with a readable config.json, a tokenizer and weights (or a shard index). */
    static void checkModelFolder(RunConfig config) throws SetupException {
        Path dir = config.model().checkpoint();
        String key = config.source() + ": model.checkpoint: ";
        if (!Files.isDirectory(dir)) {
            throw new SetupException(key + dir + " is not a folder");
        }
        if (!Files.isRegularFile(dir.resolve(Checkpoints.CONFIG))) {
            throw new SetupException(key + dir + " is not a checkpoint folder (no " + Checkpoints.CONFIG + ")");
        }
        try {
            ModelConfig.read(dir.resolve(Checkpoints.CONFIG));
        } catch (IOException | RuntimeException e) {
            throw new SetupException(key + e.getMessage());
        }
        if (!Files.isRegularFile(dir.resolve(Checkpoints.WEIGHTS)) && !Files.isRegularFile(dir.resolve(Checkpoints.INDEX))) {
            throw new SetupException(key + dir + " has no weights (neither " + Checkpoints.WEIGHTS + " nor "
                    + Checkpoints.INDEX + ")");
        }
        if (!Files.isRegularFile(dir.resolve(Checkpoints.TOKENIZER))) {
            throw new SetupException(key + dir + " has no " + Checkpoints.TOKENIZER);
        }
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

    /**
     * A tiny model whose word-level vocabulary covers every word of the given prompts and answers
     * (an experiment creates one over all its tasks' items).
     *
     * @param dir the folder to create it in
     * @param c the configuration giving its sizes ({@code model}) and the SFT target's words
     * @param samples the items whose words it must know
     * @throws IOException if writing fails
     */
    public static void createTinyModel(Path dir, RunConfig c, List<Sample> samples) throws IOException {
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
        RunFolder folder = new RunFolder(runDir);
        long total = c.totalSteps(p.train().size());
        String device = deviceUsed(p.backend(), c.device(), out);
        TrainingLoop.Spec spec = new TrainingLoop.Spec(p.train(), c.seed(), total, c.batchSize(), c.checkpointEvery(),
                c.keepCheckpoints(), runDir, c.model().checkpoint(), device, c.model().dtype(),
                c.model().referenceDtype());
        // The checkpoint is chosen (and verified) before anything in the folder changes: a run that
        // cannot resume is left byte for byte as it was.
        Optional<io.mr1.trainer.loop.CheckpointStore.Checkpoint> resume;
        try {
            resume = loop.resumePoint(spec, message -> out.println("mr1 train: " + message));
        } catch (io.mr1.trainer.loop.CheckpointStore.NoUsableCheckpointException e) {
            throw new SetupException(e.getMessage());
        }
        if (resume.isPresent()) {
            out.println((terminal ? "\r" : "") + "resuming " + runDir + " at step " + resume.get().state().step()
                    + " of " + total);
        } else if (Files.exists(folder.metrics())) {
            out.println("mr1 train: " + runDir + " has no checkpoint yet; starting again at step 0 (the steps logged"
                    + " before were not checkpointed and are run again, with the same results)");
        }
        Map<String, Object> resolved = resolved(p, total);
        resolved.put("device", device);
        folder.writeResolvedConfig(c, total, resolved);
        Injector run = injector.createChildInjector(new RunModule(p, folder, total, out, terminal, stop));
        Evaluation evaluation = run.getInstance(Evaluation.class);
        TrainingLoop.Result result;
        // The backend is the run's configuration from here on (io.mr1.run.cfg in the run folder).
        try (BackendControl.Run source = backends.open(runDir, c.backend(), m -> out.println("mr1 train: " + m))) {
            result = loop.run(source, spec, run.getInstance(StepAlgorithm.class),
                    run.getInstance(com.google.inject.Key.get(new com.google.inject.TypeLiteral<List<TrainingListener>>() { })),
                    resume);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("algorithm", c.algorithm());
        facts.put("task", c.task());
        facts.put("backend", backendsUsed(folder.metrics(), c.backend()) + " on " + device
                + (device.equals(c.device()) ? "" : " (" + c.device() + " requested, not available)"));
        facts.put("steps", Long.toString(total));
        facts.put("plugins", p.plugins().stream().map(i -> i.name() + " (" + i.bundle() + " " + i.version() + ")")
                .reduce((a, b) -> a + ", " + b).orElse(""));
        ReportWriter.write(runDir, "mr1 run: " + runDir.getFileName(), evaluation.rows(), facts);
        // A stop that gave up on the final evaluation stops the run too: --resume evaluates.
        return new Outcome(runDir, total, result.last(), evaluation.last(), result.stopped() || evaluation.abandoned());
    }

    /**
     * The backend(s) a run used, from metrics.jsonl's switch events: "pytorch", or
     * "pytorch, tensorflow from step 10, pytorch from step 20".
     */
    static String backendsUsed(Path metrics, String configured) throws IOException {
        StringBuilder out = new StringBuilder(configured);
        if (!Files.exists(metrics)) {
            return out.toString();
        }
        boolean first = true;
        for (String line : Files.readAllLines(metrics, java.nio.charset.StandardCharsets.UTF_8)) {
            com.google.gson.JsonObject o;
            try {
                o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
            } catch (RuntimeException torn) {
                continue;
            }
            if (first && o.has(io.mr1.trainer.metrics.JsonlMetricsSink.BACKEND)) {
                out.setLength(0);
                out.append(o.get(io.mr1.trainer.metrics.JsonlMetricsSink.BACKEND).getAsString());
                first = false;
            } else if (o.has(io.mr1.trainer.metrics.JsonlMetricsSink.EVENT)
                    && o.get(io.mr1.trainer.metrics.JsonlMetricsSink.EVENT).getAsString().equals("backend_switch")) {
                out.append(", ").append(o.get("to").getAsString()).append(" from step ").append(o.get("step").getAsLong());
            }
        }
        return out.toString();
    }

    /**
     * The device a run actually uses: the configured one when the backend sees it, otherwise
     * cpu, said on the console (the backend falls back the same way) and recorded in config.json.
     */
    static String deviceUsed(PolicyBackend backend, String device, PrintStream out) {
        if (device.equals("cpu")) {
            return device;
        }
        String wanted = device.equals("cuda") ? "cuda:0" : device;
        io.mr1.api.backend.BackendInfo info = backend.info();
        if (info.problem() != null || info.devices().contains(wanted)) {
            return device; // an engine that does not load fails with its own message when the run loads it
        }
        out.println("mr1 train: device " + device + " is not available (" + info.engine() + " sees "
                + String.join(", ", info.devices()) + "); training on cpu");
        return "cpu";
    }

    /** config.json's {@code resolved} section: what the configuration resolved to, and provenance. */
    private static Map<String, Object> resolved(Prepared p, long total) {
        Map<String, Object> resolved = new LinkedHashMap<>();
        resolved.put("total_steps", total);
        resolved.put("train_items", p.train().size());
        resolved.put("eval_items", p.eval() == null ? 0 : p.eval().size());
        if (p.scheduleProvider() != null) {
            Map<String, Double> params = new LinkedHashMap<>();
            ScheduleParameters.resolve(p.config().klSchedule().name(), p.scheduleProvider().parameters(),
                    p.scheduleProvider().presets(), p.config().klSchedule().overrides())
                    .forEach((k, v) -> {
                        if (!v.isNaN()) {
                            params.put(k, v);
                        }
                    });
            resolved.put("kl_schedule_parameters", params);
        }
        Map<String, Double> rewards = new LinkedHashMap<>();
        p.rewards().forEach(r -> rewards.put(r.name(), r.weight()));
        resolved.put("reward_weights", rewards);
        List<Map<String, String>> plugins = new ArrayList<>();
        for (PluginInfo info : p.plugins()) {
            plugins.add(Map.of("kind", info.kind().label(), "name", info.name(), "bundle", info.bundle(),
                    "version", info.version()));
        }
        resolved.put("plugins", plugins);
        resolved.put("java", System.getProperty("java.version"));
        return resolved;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
