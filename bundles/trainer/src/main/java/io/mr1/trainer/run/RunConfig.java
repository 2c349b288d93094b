package io.mr1.trainer.run;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.trainer.loop.LearningRateSchedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's configuration, read from JSON or YAML once: every key is parsed and
 * validated here, with errors naming the file, the key's path and the valid choices. Defaults
 * follow the paper / R1-V where they are exact and TRL where the paper is silent; TRL
 * GRPOConfig names are accepted at the top level ({@link TrlNames}). {@link #toMap} writes the
 * parsed configuration back in the same snake_case keys, so a stored configuration is itself
 * a valid configuration. Every key is documented in docs/CONFIG.md.
 *
 * @param source the file it came from (for messages)
 * @param algorithm {@code grpo} or {@code sft}
 * @param seed run seed (data order, sampling streams, model initialisation)
 * @param backend backend name
 * @param device cpu or cuda:N
 * @param model where the initial model comes from
 * @param task task name
 * @param data training and evaluation data
 * @param rewards reward name to weight (empty: the task's default rewards at their configured weights)
 * @param klSchedule the KL schedule plugin and its parameters
 * @param grpo GRPO-D settings
 * @param sftTemplate the SFT target, with {answer} and optionally {thinking} (the item's reference reasoning)
 * @param sftMicroBatchSize SFT targets per forward/backward pass, gradients accumulated, one optimiser update
 *     (0: the whole batch at once)
 * @param optimizer AdamW settings and the learning-rate schedule
 * @param batchSize prompts per step
 * @param steps total optimisation steps (0 when given as epochs)
 * @param epochs passes over the training data (0 when given as steps)
 * @param checkpointEvery steps between checkpoints (0: at the end only)
 * @param keepCheckpoints how many checkpoints to keep (0: all)
 * @param samplesEvery steps between samples.jsonl entries (0: never)
 * @param evalEvery steps between evaluations on the eval data (0: at the end only)
 * @param logEvery steps between progress log lines (0: about 20 lines per run)
 * @param taskOptions the task's per-run options ({@code task_options}), validated by the task
 *     ({@link io.mr1.api.task.Task#withOptions}); empty: the task as configured
 * @param reportTo where metrics go besides metrics.jsonl ({@code report_to}, TRL's key: reporter
 *     names such as {@code tensorboard}, or {@code all}); empty: metrics.jsonl only
 */
public record RunConfig(String source, String algorithm, long seed, String backend, String device, Model model,
                        String task, Data data, Map<String, Double> rewards, KlScheduleConfig klSchedule, Grpo grpo,
                        String sftTemplate, int sftMicroBatchSize, Optimizer optimizer, int batchSize, long steps,
                        long epochs,
                        int checkpointEvery, int keepCheckpoints, int samplesEvery, int evalEvery, int logEvery,
                        Map<String, Object> taskOptions, List<String> reportTo) {

    /** Copies the maps. */
    public RunConfig {
        reportTo = List.copyOf(reportTo);
        rewards = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rewards));
        taskOptions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(taskOptions));
    }

    /**
     * The initial model.
     *
     * @param checkpoint a checkpoint folder, or null to create a tiny one
     * @param createSeed weight seed of a created model
     * @param hiddenSize decoder width of a created model
     * @param layers decoder layers of a created model
     * @param imageSize image side of a created model
     * @param dtype the dtype the policy's weights are held in ({@link #DTYPES})
     * @param referenceDtype the dtype the frozen reference is held in
     */
    public record Model(Path checkpoint, long createSeed, int hiddenSize, int layers, int imageSize, String dtype,
                       String referenceDtype) {

        /** The values of {@code model.dtype} and {@code model.reference_dtype}. */
        public static final List<String> DTYPES = List.of("float32", "bfloat16");

        /**
         * The default {@code model.dtype} on a device: float32 on the CPU, bfloat16 on cuda:N
         * (docs/CONFIG.md), for every command that loads a policy without one.
         *
         * @param device {@code cpu} or {@code cuda:N}
         * @return the dtype
         */
        public static String defaultDtype(String device) {
            return device.startsWith("cuda") ? "bfloat16" : "float32";
        }

        /**
         * A command's {@code --dtype} option: the given value when it is one of {@link #DTYPES},
         * the device's {@link #defaultDtype} when absent.
         *
         * @param given the option's value, or null
         * @param device {@code cpu} or {@code cuda:N}
         * @return the dtype
         * @throws IllegalArgumentException for another value, naming the option and the choices
         */
        public static String dtypeOption(String given, String device) {
            if (given == null) {
                return defaultDtype(device);
            }
            if (!DTYPES.contains(given)) {
                throw new IllegalArgumentException("--dtype must be float32 or bfloat16, got '" + given + "'");
            }
            return given;
        }

        /**
         * A model in float32.
         *
         * @param checkpoint a checkpoint folder, or null to create a tiny one
         * @param createSeed weight seed of a created model
         * @param hiddenSize decoder width of a created model
         * @param layers decoder layers of a created model
         * @param imageSize image side of a created model
         */
        public Model(Path checkpoint, long createSeed, int hiddenSize, int layers, int imageSize) {
            this(checkpoint, createSeed, hiddenSize, layers, imageSize, "float32", "float32");
        }
    }

    /**
     * Data.
     *
     * @param train training JSONL, or null to generate
     * @param trainGenerate items to generate when train is null
     * @param eval evaluation JSONL, or null to generate
     * @param evalGenerate items to generate when eval is null (0: no evaluation)
     * @param generateSeed seed of generated data (eval uses seed + 1)
     * @param skipBad skip (and count) items with missing images instead of failing
     * @param evalMaxNewTokens completion length limit during evaluation
     * @param evalSamples completions per item for the sampled pass@1 (0: greedy evaluation only)
     * @param evalTemperature their sampling temperature
     * @param maxImagePixels an image with more pixels (width x height, read from its header) is an error
     *     before the run starts: decoding it would take width x height x 4 bytes and more
     */
    public record Data(Path train, int trainGenerate, Path eval, int evalGenerate, long generateSeed, boolean skipBad,
                       int evalMaxNewTokens, int evalSamples, double evalTemperature, long maxImagePixels) {
    }

    /**
     * The KL schedule: a plugin's name, an optional preset and parameter overrides, as numbers.
     *
     * @param name the schedule plugin
     * @param preset a preset of that plugin, or null
     * @param parameters parameter overrides (the plugin checks the keys and ranges)
     */
    public record KlScheduleConfig(String name, String preset, Map<String, Double> parameters) {
        /** Copies the parameters. */
        public KlScheduleConfig {
            parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        /**
         * The overrides as the provider takes them: the preset and the numbers, as numbers.
         *
         * @return the typed overrides
         */
        public io.mr1.api.kl.ScheduleOverrides overrides() {
            return new io.mr1.api.kl.ScheduleOverrides(preset, parameters);
        }
    }

    /**
     * GRPO-D settings.
     *
     * @param numGenerations G
     * @param mu optimisation passes per sampled batch
     * @param epsilon lower clip range
     * @param epsilonHigh upper clip range
     * @param estimator KL estimator
     * @param aggregation loss aggregation
     * @param scaleRewards divide advantages by the group std
     * @param temperature sampling temperature
     * @param topP nucleus mass
     * @param topK top-k (0: off)
     * @param maxCompletionLength max new tokens
     * @param microBatchSize completions per forward/backward pass, gradients accumulated, one optimiser
     *     update (0: the whole step at once)
     * @param rewardTimeout seconds one reward call may take; a later answer scores 0 and counts as a fault
     */
    public record Grpo(int numGenerations, int mu, double epsilon, double epsilonHigh, PolicyLoss.KlEstimator estimator,
                       PolicyLoss.Aggregation aggregation, boolean scaleRewards, double temperature, double topP,
                       int topK, int maxCompletionLength, int microBatchSize, double rewardTimeout) {
    }

    /**
     * AdamW and the learning-rate schedule.
     *
     * @param learningRate peak learning rate
     * @param weightDecay decoupled weight decay
     * @param beta1 Adam beta1
     * @param beta2 Adam beta2
     * @param epsilon Adam epsilon
     * @param maxGradNorm global-norm clip (0: off)
     * @param warmupSteps linear warm-up in run steps (0: none, or see warmupRatio)
     * @param warmupRatio warm-up as a fraction of the run (used when warmupSteps is 0)
     * @param decay shape after warm-up
     */
    public record Optimizer(double learningRate, double weightDecay, double beta1, double beta2, double epsilon,
                            double maxGradNorm, long warmupSteps, double warmupRatio, OptimizerSettings.Decay decay) {

        /**
         * The learning-rate schedule of a run.
         *
         * @param totalSteps t
         * @return the schedule over run steps
         */
        public LearningRateSchedule schedule(long totalSteps) {
            // As TRL: a warm-up ratio becomes ceil(ratio * total) steps.
            long warmup = warmupSteps > 0 ? warmupSteps : (long) Math.ceil(warmupRatio * totalSteps);
            return new LearningRateSchedule(new OptimizerSettings(learningRate, weightDecay, beta1, beta2, epsilon,
                    maxGradNorm, warmup, totalSteps, decay), warmup, totalSteps, decay);
        }
    }

    /** Steps when neither steps nor epochs is given. */
    public static final long DEFAULT_STEPS = 100;
    /** Default data.max_image_pixels: about 7000 x 7000 (PIL warns at 89 million). */
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 50_000_000L;
    private static final java.util.regex.Pattern DEVICE = java.util.regex.Pattern.compile("cpu|cuda(:\\d{1,4})?");
    private static final long MAX_STEPS = 1_000_000_000L;
    private static final long MAX_EPOCHS = 1_000_000L;
    private static final int MAX_ITEMS = 100_000_000;
    private static final int MAX_TOKENS = 32_768; // Qwen2-VL's max_position_embeddings
    private static final int MAX_BATCH = 65_536;
    private static final int MAX_GENERATIONS = 4096;
    private static final double MAX_WEIGHT = 1e6;

    /** The default SFT target: a short reasoning and the answer in R1-V's tags. */
    public static final String DEFAULT_SFT_TEMPLATE = "<think> the answer is {answer} . </think> <answer> {answer} </answer>";

    /** The key of the informational section mr1 adds to config.json; ignored when read as a config. */
    public static final String RESOLVED = "resolved";

    /**
     * Reads a config file.
     *
     * @param file JSON ({@code .json}) or YAML ({@code .yaml}, {@code .yml})
     * @param base folder relative paths in the file resolve against
     * @return the config
     * @throws ConfigException naming the file and key of the first problem
     * @throws IOException if the file cannot be read
     */
    public static RunConfig read(Path file, Path base) throws ConfigException, IOException {
        return parse(file.toString(), readValues(file), base);
    }

    /**
     * The values of a config file, before parsing.
     *
     * @param file JSON or YAML
     * @return the top-level map
     * @throws ConfigException if the file is not a JSON or YAML mapping
     * @throws IOException if it cannot be read
     */
    public static Map<String, Object> readValues(Path file) throws ConfigException, IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                Object parsed = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                        new org.yaml.snakeyaml.LoaderOptions())).load(text);
                if (!(parsed instanceof Map)) {
                    throw new ConfigException(file + ": expected a YAML mapping at the top level");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) parsed;
                return m;
            }
            Map<String, Object> map = new com.google.gson.Gson().fromJson(JsonParser.parseString(text),
                    new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
            if (map == null) {
                throw new ConfigException(file + ": empty config");
            }
            return map;
        } catch (JsonParseException | IllegalStateException e) {
            throw new ConfigException(file + ": not valid JSON (" + e.getMessage() + ")");
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            org.yaml.snakeyaml.error.Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage().lines().findFirst().orElse("");
            String context = e.getContext() != null ? " " + e.getContext() : "";
            throw new ConfigException(file + where + ": not valid YAML (" + problem + context
                    + (mark == null ? "" : ", line " + (mark.getLine() + 1) + " column " + (mark.getColumn() + 1)) + ")");
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new ConfigException(file + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /**
     * Builds a config from a map (what the file held).
     *
     * @param source name for messages
     * @param given the values
     * @param base folder for relative paths
     * @return the config
     * @throws ConfigException naming the key of the first problem
     */
    public static RunConfig parse(String source, Map<String, Object> given, Path base) throws ConfigException {
        Map<String, String> givenAs = new LinkedHashMap<>();
        Map<String, Object> map = TrlNames.toNative(source, given, givenAs);
        ConfigSection root = new ConfigSection(source, "", map, givenAs);
        root.raw(RESOLVED); // config.json's provenance: written by mr1, ignored on input
        String algorithm = root.choice("algorithm", "grpo", List.of("grpo", "sft"));
        long seed = root.integer("seed", 42, 0);
        String backend = root.string("backend", "pytorch");
        String device = root.string("device", "cpu");
        if (!DEVICE.matcher(device).matches()) {
            throw root.error("device", "'" + device + "' is not a device; valid: cpu, cuda (the first GPU), cuda:N"
                    + " (N = 0, 1, ...)");
        }
        String task = root.require("task");
        // The task validates its own options when the run is prepared (errors name task_options.KEY).
        Map<String, Object> taskOptions = new LinkedHashMap<>(root.section("task_options").values());

        ConfigSection m = root.section("model");
        Path checkpoint = m.has("checkpoint") ? base.resolve(m.require("checkpoint")) : null;
        // The rule (docs/CONFIG.md): float32 on the CPU, bfloat16 on a GPU, where a 7B model fits only in bfloat16.
        String dtype = m.choice("dtype", Model.defaultDtype(device), Model.DTYPES);
        Model model = new Model(checkpoint, m.integer("seed", seed, 0), m.integerInt("hidden_size", 128, 8, 16384),
                m.integerInt("layers", 4, 1, 1024), m.integerInt("image_size", 112, 28, 8192), dtype,
                m.choice("reference_dtype", dtype, Model.DTYPES));
        if (checkpoint != null && (m.values().containsKey("hidden_size") || m.values().containsKey("layers"))) {
            throw m.error("checkpoint", "give either a checkpoint or the sizes of a model to create, not both");
        }
        m.finish();

        ConfigSection d = root.section("data");
        Path train = d.has("train") ? base.resolve(d.require("train")) : null;
        Path eval = d.has("eval") ? base.resolve(d.require("eval")) : null;
        Data data = new Data(train, d.integerInt("train_generate", 200, 1, MAX_ITEMS), eval,
                d.integerInt("eval_generate", 100, 0, MAX_ITEMS), d.integer("generate_seed", seed, 0),
                d.bool("skip_bad", false), d.integerInt("eval_max_new_tokens", 32, 1, MAX_TOKENS),
                d.integerInt("eval_samples", 0, 0, 1000), d.number("eval_temperature", 1.0, 1e-3, 100),
                d.integer("max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS, 1, 1L << 40));
        d.finish();

        Map<String, Double> rewards = new LinkedHashMap<>();
        ConfigSection r = root.section("rewards");
        for (String k : r.values().keySet()) {
            rewards.put(k, r.number(k, 1.0, -MAX_WEIGHT, MAX_WEIGHT)); // NaN fails the range check too
        }
        r.finish();

        ConfigSection kl = root.section("kl_schedule");
        String scheduleName = kl.string("name", "grpo-d");
        String preset = kl.string(io.mr1.api.kl.ScheduleParameters.PRESET, null);
        Map<String, Double> scheduleParams = new LinkedHashMap<>();
        for (String k : kl.values().keySet()) {
            if (!k.equals("name") && !k.equals(io.mr1.api.kl.ScheduleParameters.PRESET)) {
                scheduleParams.put(k, kl.number(k, Double.NaN));
            }
        }
        kl.finish();
        KlScheduleConfig schedule = new KlScheduleConfig(scheduleName, preset, scheduleParams);

        int batchSize = root.integerInt("batch_size", 2, 1, MAX_BATCH);
        ConfigSection g = root.section("grpo");
        double eps = g.number("epsilon", 0.2, 0, 0.99);
        // G >= 2: with one completion per prompt every group-relative advantage is 0 and GRPO learns nothing.
        int numGenerations = g.integerInt("num_generations", 8, 2, MAX_GENERATIONS);
        Grpo grpo = new Grpo(numGenerations, g.integerInt("mu", 1, 1, 100), eps,
                g.number("epsilon_high", eps, 0, 10),
                PolicyLoss.KlEstimator.valueOf(g.choice("kl_estimator", "k3", List.of("k1", "k2", "k3"))
                        .toUpperCase(Locale.ROOT)),
                PolicyLoss.Aggregation.valueOf(g.choice("loss_aggregation", "sequence_mean",
                        List.of("sequence_mean", "token_mean", "constant_length")).toUpperCase(Locale.ROOT)),
                g.bool("scale_rewards", true), g.number("temperature", 1.0, 0, 10), g.number("top_p", 1.0, 1e-6, 1),
                g.integerInt("top_k", 0, 0, 1 << 24), g.integerInt("max_completion_length", 256, 1, MAX_TOKENS),
                microBatchSize(g, batchSize, numGenerations), g.number("reward_timeout", 5, 0.001, 86400));
        g.finish();

        ConfigSection s = root.section("sft");
        String template = s.string("target_template", DEFAULT_SFT_TEMPLATE);
        if (!template.contains("{answer}")) {
            throw s.error("target_template", "must contain {answer}");
        }
        int sftMicroBatchSize = s.integerInt("micro_batch_size", 0, 0, batchSize);
        s.finish();

        if (root.has("steps") && root.has("epochs")) {
            throw root.error("steps", "give steps or epochs, not both");
        }
        // Given, steps and epochs must be at least 1 (steps: 0 used to mean "the default 100").
        long steps = root.integer("steps", 0, root.has("steps") ? 1 : 0, MAX_STEPS);
        long epochs = root.integer("epochs", 0, root.has("epochs") ? 1 : 0, MAX_EPOCHS);
        if (steps == 0 && epochs == 0) {
            steps = DEFAULT_STEPS;
        }
        ConfigSection o = root.section("optimizer");
        if (o.has("warmup_steps") && o.has("warmup_ratio")) {
            throw o.error("warmup_steps", "give warmup_steps or warmup_ratio, not both");
        }
        Optimizer optimizer = new Optimizer(o.number("learning_rate", 1e-6, 0, 10),
                o.number("weight_decay", 0.0, 0, 1), o.number("beta1", 0.9, 0, 1), o.number("beta2", 0.999, 0, 1),
                o.number("epsilon", 1e-8, 0, 1), o.number("max_grad_norm", 1.0, 0, 1e9),
                o.integer("warmup_steps", 0, 0, MAX_STEPS), o.number("warmup_ratio", 0.0, 0, 1),
                OptimizerSettings.Decay.valueOf(o.choice("lr_decay", "constant", List.of("constant", "linear", "cosine"))
                        .toUpperCase(Locale.ROOT)));
        o.finish();
        int checkpointEvery = root.integerInt("checkpoint_every", 0, 0, Integer.MAX_VALUE);
        int keepCheckpoints = root.integerInt("keep_checkpoints", 0, 0, Integer.MAX_VALUE);
        int samplesEvery = root.integerInt("samples_every", 10, 0, Integer.MAX_VALUE);
        int evalEvery = root.integerInt("eval_every", 0, 0, Integer.MAX_VALUE);
        int logEvery = root.integerInt("log_every", 0, 0, Integer.MAX_VALUE);
        List<String> reportTo = reportTo(root);
        root.finish();
        return new RunConfig(source, algorithm, seed, backend, device, model, task, data, rewards, schedule, grpo,
                template, sftMicroBatchSize, optimizer, batchSize, steps, epochs, checkpointEvery, keepCheckpoints, samplesEvery,
                evalEvery, logEvery, taskOptions, reportTo);
    }

    /** report_to: a name or a list of names, as TRL takes it; "none" (or nothing) is metrics.jsonl only. */
    private static List<String> reportTo(ConfigSection root) throws ConfigException {
        Object v = root.raw("report_to");
        List<String> names = new java.util.ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (o == null || o instanceof Map || o instanceof List || o.toString().isBlank()) {
                    throw root.error("report_to", "must be a reporter name or a list of names (e.g. [tensorboard])");
                }
                names.add(o.toString());
            }
        } else if (v != null) {
            names.add(root.string("report_to", null));
        }
        if (names.contains("none")) {
            if (names.size() > 1) {
                throw root.error("report_to", "'none' does not go with other reporters");
            }
            return List.of();
        }
        return names.stream().distinct().toList();
    }

    /** grpo.micro_batch_size, given directly or as TRL's gradient_accumulation_steps. */
    private static int microBatchSize(ConfigSection g, int batchSize, int numGenerations) throws ConfigException {
        long completions = (long) batchSize * numGenerations;
        if (g.has(TrlNames.ACCUMULATION)) {
            long steps = g.integer(TrlNames.ACCUMULATION, 1, 1, completions);
            if (completions % steps != 0) {
                throw g.error(TrlNames.ACCUMULATION, "must divide batch_size x num_generations = " + completions
                        + " completions per step into equal micro-batches, got " + steps);
            }
            return (int) (completions / steps);
        }
        int size = g.integerInt("micro_batch_size", 0, 0, Integer.MAX_VALUE);
        if (size > completions) {
            throw g.error("micro_batch_size", "must be at most batch_size x num_generations = " + completions
                    + ", got " + size);
        }
        return size;
    }

    /**
     * The total steps for a training set.
     *
     * @param trainSize number of training samples
     * @return steps
     */
    public long totalSteps(int trainSize) {
        return steps > 0 ? steps : epochs * ((trainSize + batchSize - 1) / batchSize);
    }

    /**
     * The configuration in the snake_case keys it is read from, every value explicit: what
     * run-config.json holds, and config.json's keys. Parsing it gives this configuration back.
     *
     * @param totalSteps the resolved step count to write instead of epochs, or 0 to keep epochs as given
     * @return the values
     */
    public Map<String, Object> toMap(long totalSteps) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("algorithm", algorithm);
        out.put("task", task);
        if (!taskOptions.isEmpty()) {
            out.put("task_options", new LinkedHashMap<>(taskOptions));
        }
        out.put("seed", seed);
        out.put("backend", backend);
        out.put("device", device);
        Map<String, Object> mo = new LinkedHashMap<>();
        if (model.checkpoint() != null) {
            mo.put("checkpoint", model.checkpoint().toString());
        } else {
            mo.put("seed", model.createSeed());
            mo.put("hidden_size", model.hiddenSize());
            mo.put("layers", model.layers());
        }
        mo.put("image_size", model.imageSize());
        mo.put("dtype", model.dtype());
        mo.put("reference_dtype", model.referenceDtype());
        out.put("model", mo);
        Map<String, Object> da = new LinkedHashMap<>();
        if (data.train() != null) {
            da.put("train", data.train().toString());
        } else {
            da.put("train_generate", data.trainGenerate());
        }
        if (data.eval() != null) {
            da.put("eval", data.eval().toString());
        } else {
            da.put("eval_generate", data.evalGenerate());
        }
        da.put("generate_seed", data.generateSeed());
        da.put("skip_bad", data.skipBad());
        da.put("eval_max_new_tokens", data.evalMaxNewTokens());
        da.put("eval_samples", data.evalSamples());
        da.put("eval_temperature", data.evalTemperature());
        da.put("max_image_pixels", data.maxImagePixels());
        out.put("data", da);
        out.put("rewards", new LinkedHashMap<>(rewards));
        Map<String, Object> kl = new LinkedHashMap<>();
        kl.put("name", klSchedule.name());
        if (klSchedule.preset() != null) {
            kl.put(io.mr1.api.kl.ScheduleParameters.PRESET, klSchedule.preset());
        }
        kl.putAll(klSchedule.parameters());
        out.put("kl_schedule", kl);
        Map<String, Object> gr = new LinkedHashMap<>();
        gr.put("num_generations", grpo.numGenerations());
        gr.put("mu", grpo.mu());
        gr.put("epsilon", grpo.epsilon());
        gr.put("epsilon_high", grpo.epsilonHigh());
        gr.put("kl_estimator", grpo.estimator().name().toLowerCase(Locale.ROOT));
        gr.put("loss_aggregation", grpo.aggregation().name().toLowerCase(Locale.ROOT));
        gr.put("scale_rewards", grpo.scaleRewards());
        gr.put("temperature", grpo.temperature());
        gr.put("top_p", grpo.topP());
        gr.put("top_k", grpo.topK());
        gr.put("max_completion_length", grpo.maxCompletionLength());
        gr.put("micro_batch_size", grpo.microBatchSize());
        gr.put("reward_timeout", grpo.rewardTimeout());
        out.put("grpo", gr);
        out.put("sft", Map.of("target_template", sftTemplate, "micro_batch_size", sftMicroBatchSize));
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("learning_rate", optimizer.learningRate());
        op.put("weight_decay", optimizer.weightDecay());
        op.put("beta1", optimizer.beta1());
        op.put("beta2", optimizer.beta2());
        op.put("epsilon", optimizer.epsilon());
        op.put("max_grad_norm", optimizer.maxGradNorm());
        if (optimizer.warmupSteps() > 0 || optimizer.warmupRatio() == 0) {
            op.put("warmup_steps", optimizer.warmupSteps());
        } else {
            op.put("warmup_ratio", optimizer.warmupRatio());
        }
        op.put("lr_decay", optimizer.decay().name().toLowerCase(Locale.ROOT));
        out.put("optimizer", op);
        out.put("batch_size", batchSize);
        if (totalSteps > 0) {
            out.put("steps", totalSteps);
        } else if (steps > 0) {
            out.put("steps", steps);
        } else {
            out.put("epochs", epochs);
        }
        out.put("checkpoint_every", checkpointEvery);
        out.put("keep_checkpoints", keepCheckpoints);
        out.put("samples_every", samplesEvery);
        out.put("eval_every", evalEvery);
        out.put("log_every", logEvery);
        if (!reportTo.isEmpty()) {
            out.put("report_to", reportTo);
        }
        return out;
    }

    /**
     * This configuration with other data files and initial model (the run folder's generated ones).
     *
     * @param train training JSONL
     * @param eval evaluation JSONL, or null
     * @param checkpoint initial model folder
     * @return the changed configuration
     */
    public RunConfig withFiles(Path train, Path eval, Path checkpoint) {
        Data d = new Data(train, data.trainGenerate(), eval, data.evalGenerate(), data.generateSeed(), data.skipBad(),
                data.evalMaxNewTokens(), data.evalSamples(), data.evalTemperature(), data.maxImagePixels());
        Model mo = checkpoint.equals(model.checkpoint()) ? model
                : new Model(checkpoint, model.createSeed(), model.hiddenSize(), model.layers(), model.imageSize(),
                model.dtype(), model.referenceDtype());
        return new RunConfig(source, algorithm, seed, backend, device, mo, task, d, rewards, klSchedule, grpo,
                sftTemplate, sftMicroBatchSize, optimizer, batchSize, steps, epochs, checkpointEvery, keepCheckpoints,
                samplesEvery, evalEvery, logEvery, taskOptions, reportTo);
    }

    /**
     * This configuration with another backend (a resumed run continues on the backend its
     * io.mr1.run.cfg names).
     *
     * @param name the backend
     * @return the changed configuration
     */
    public RunConfig withBackend(String name) {
        return new RunConfig(source, algorithm, seed, name, device, model, task, data, rewards, klSchedule, grpo,
                sftTemplate, sftMicroBatchSize, optimizer, batchSize, steps, epochs, checkpointEvery, keepCheckpoints,
                samplesEvery, evalEvery, logEvery, taskOptions, reportTo);
    }
}
