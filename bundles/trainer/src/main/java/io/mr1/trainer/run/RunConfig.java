package io.mr1.trainer.run;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.trainer.run.ConfigSection.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's configuration, read from JSON or YAML. Defaults follow the paper / R1-V
 * where they are exact and TRL where the paper is silent; every key is documented in
 * docs/CONFIG.md and validated here, with errors naming the file and the key path.
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
 * @param klSchedule schedule name ({@code name} key) and parameters
 * @param grpo GRPO-D settings
 * @param sftTemplate the SFT target, with {answer} and optionally {thinking} (the item's reference reasoning)
 * @param optimizer AdamW settings (totalSteps filled in)
 * @param batchSize prompts per step
 * @param steps total optimisation steps
 * @param checkpointEvery steps between checkpoints (0: at the end only)
 * @param samplesEvery steps between samples.jsonl entries (0: never)
 * @param evalEvery steps between evaluations on the eval data (0: at the end only)
 * @param taskOptions the task's per-run options ({@code task_options}), validated by the task
 *     ({@link io.mr1.api.task.Task#withOptions}); empty: the task as configured
 */
public record RunConfig(String source, String algorithm, long seed, String backend, String device, Model model,
                        String task, Data data, Map<String, Double> rewards, Map<String, String> klSchedule, Grpo grpo,
                        String sftTemplate, OptimizerSettings optimizer, int batchSize, long steps, int checkpointEvery,
                        int samplesEvery, int evalEvery, Map<String, Object> taskOptions) {

    /**
     * The initial model.
     *
     * @param checkpoint a checkpoint folder, or null to create a tiny one
     * @param createSeed weight seed of a created model
     * @param hiddenSize decoder width of a created model
     * @param layers decoder layers of a created model
     * @param imageSize image side of a created model
     */
    public record Model(Path checkpoint, long createSeed, int hiddenSize, int layers, int imageSize) {
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
     */
    public record Data(Path train, int trainGenerate, Path eval, int evalGenerate, long generateSeed, boolean skipBad,
                       int evalMaxNewTokens, int evalSamples, double evalTemperature) {
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
     */
    public record Grpo(int numGenerations, int mu, double epsilon, double epsilonHigh, PolicyLoss.KlEstimator estimator,
                       PolicyLoss.Aggregation aggregation, boolean scaleRewards, double temperature, double topP,
                       int topK, int maxCompletionLength) {
    }

    /** The default SFT target: a short reasoning and the answer in R1-V's tags. */
    public static final String DEFAULT_SFT_TEMPLATE = "<think> the answer is {answer} . </think> <answer> {answer} </answer>";

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
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, Object> map;
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                Object parsed = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                        new org.yaml.snakeyaml.LoaderOptions())).load(text);
                if (!(parsed instanceof Map)) {
                    throw new ConfigException(file + ": expected a YAML mapping at the top level");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) parsed;
                map = m;
            } else {
                map = new com.google.gson.Gson().fromJson(JsonParser.parseString(text),
                        new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
                if (map == null) {
                    throw new ConfigException(file + ": empty config");
                }
            }
        } catch (JsonParseException | IllegalStateException e) {
            throw new ConfigException(file + ": not valid JSON (" + e.getMessage() + ")");
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new ConfigException(file + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        return parse(file.toString(), map, base);
    }

    /**
     * Builds a config from a map (what the file held).
     *
     * @param source name for messages
     * @param map the values
     * @param base folder for relative paths
     * @return the config
     * @throws ConfigException naming the key of the first problem
     */
    public static RunConfig parse(String source, Map<String, Object> map, Path base) throws ConfigException {
        ConfigSection root = new ConfigSection(source, "", map);
        String algorithm = root.choice("algorithm", "grpo", List.of("grpo", "sft"));
        long seed = root.integer("seed", 42, 0);
        String backend = root.string("backend", "pytorch");
        String device = root.string("device", "cpu");
        String task = root.require("task");
        // The task validates its own options when the run is prepared (errors name task_options.KEY).
        Map<String, Object> taskOptions = Collections.unmodifiableMap(new LinkedHashMap<>(root.section("task_options").values()));

        ConfigSection m = root.section("model");
        Path checkpoint = m.has("checkpoint") ? base.resolve(m.require("checkpoint")) : null;
        Model model = new Model(checkpoint, m.integer("seed", seed, 0), (int) m.integer("hidden_size", 128, 8),
                (int) m.integer("layers", 4, 1), (int) m.integer("image_size", 112, 28));
        if (checkpoint != null && (m.values().containsKey("hidden_size") || m.values().containsKey("layers"))) {
            throw m.error("checkpoint", "give either a checkpoint or the sizes of a model to create, not both");
        }
        m.finish();

        ConfigSection d = root.section("data");
        Path train = d.has("train") ? base.resolve(d.require("train")) : null;
        Path eval = d.has("eval") ? base.resolve(d.require("eval")) : null;
        Data data = new Data(train, (int) d.integer("train_generate", 200, 1), eval,
                (int) d.integer("eval_generate", 100, 0), d.integer("generate_seed", seed, 0),
                d.bool("skip_bad", false), (int) d.integer("eval_max_new_tokens", 32, 1),
                (int) d.integer("eval_samples", 0, 0), d.number("eval_temperature", 1.0, 1e-3, 100));
        d.finish();

        Map<String, Double> rewards = new LinkedHashMap<>();
        ConfigSection r = root.section("rewards");
        for (String k : r.values().keySet()) {
            rewards.put(k, r.number(k, 1.0));
        }
        r.finish();

        ConfigSection kl = root.section("kl_schedule");
        Map<String, String> schedule = new LinkedHashMap<>(kl.strings());
        schedule.putIfAbsent("name", "grpo-d");

        ConfigSection g = root.section("grpo");
        double eps = g.number("epsilon", 0.2, 0, 0.99);
        Grpo grpo = new Grpo((int) g.integer("num_generations", 8, 1), (int) g.integer("mu", 1, 1), eps,
                g.number("epsilon_high", eps, 0, 10),
                PolicyLoss.KlEstimator.valueOf(g.choice("kl_estimator", "k3", List.of("k1", "k2", "k3"))
                        .toUpperCase(Locale.ROOT)),
                PolicyLoss.Aggregation.valueOf(g.choice("loss_aggregation", "sequence_mean",
                        List.of("sequence_mean", "token_mean", "constant_length")).toUpperCase(Locale.ROOT)),
                g.bool("scale_rewards", true), g.number("temperature", 1.0, 0, 10), g.number("top_p", 1.0, 1e-6, 1),
                (int) g.integer("top_k", 0, 0), (int) g.integer("max_completion_length", 256, 1));
        g.finish();

        ConfigSection s = root.section("sft");
        String template = s.string("target_template", DEFAULT_SFT_TEMPLATE);
        if (!template.contains("{answer}")) {
            throw s.error("target_template", "must contain {answer}");
        }
        s.finish();

        int batchSize = (int) root.integer("batch_size", 2, 1);
        long steps;
        if (root.has("steps") && root.has("epochs")) {
            throw root.error("steps", "give steps or epochs, not both");
        }
        steps = root.integer("steps", 0, 0);
        long epochs = root.integer("epochs", 0, 0);
        if (steps == 0 && epochs == 0) {
            steps = 100;
        }
        ConfigSection o = root.section("optimizer");
        OptimizerSettings optimizer = new OptimizerSettings(o.number("learning_rate", 1e-6, 0, 10),
                o.number("weight_decay", 0.0, 0, 1), o.number("beta1", 0.9, 0, 1), o.number("beta2", 0.999, 0, 1),
                o.number("epsilon", 1e-8, 0, 1), o.number("max_grad_norm", 1.0, 0, 1e9),
                o.integer("warmup_steps", 0, 0), 0,
                OptimizerSettings.Decay.valueOf(o.choice("lr_decay", "constant", List.of("constant", "linear", "cosine"))
                        .toUpperCase(Locale.ROOT)));
        o.finish();
        int checkpointEvery = (int) root.integer("checkpoint_every", 0, 0);
        int samplesEvery = (int) root.integer("samples_every", 10, 0);
        int evalEvery = (int) root.integer("eval_every", 0, 0);
        root.finish();
        RunConfig config = new RunConfig(source, algorithm, seed, backend, device, model, task, data, rewards,
                schedule, grpo, template, optimizer, batchSize, steps, checkpointEvery, samplesEvery, evalEvery,
                taskOptions);
        return epochs > 0 ? config.withEpochs(epochs) : config;
    }

    /** Epochs are resolved to steps once the training set's size is known; until then, store them negated. */
    private RunConfig withEpochs(long epochs) {
        return new RunConfig(source, algorithm, seed, backend, device, model, task, data, rewards, klSchedule, grpo,
                sftTemplate, optimizer, batchSize, -epochs, checkpointEvery, samplesEvery, evalEvery, taskOptions);
    }

    /**
     * The total steps for a training set.
     *
     * @param trainSize number of training samples
     * @return steps
     */
    public long totalSteps(int trainSize) {
        return steps > 0 ? steps : -steps * ((trainSize + batchSize - 1) / batchSize);
    }

    /**
     * Optimiser settings with the run's total steps (for the learning-rate decay).
     *
     * @param total total steps
     * @return the settings
     */
    public OptimizerSettings optimizerFor(long total) {
        OptimizerSettings o = optimizer;
        return new OptimizerSettings(o.learningRate(), o.weightDecay(), o.beta1(), o.beta2(), o.epsilon(),
                o.maxGradNorm(), o.warmupSteps(), total, o.decay());
    }
}
