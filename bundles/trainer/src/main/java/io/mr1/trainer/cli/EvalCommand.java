package io.mr1.trainer.cli;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.models.Checkpoints;
import io.mr1.trainer.run.Evaluator;
import io.mr1.trainer.run.RunFolder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 eval --checkpoint DIR --task T [--data FILE] [--out FILE.json]}: greedy accuracy
 * (strict: answer inside the tags; lenient: last number in the text), format rate and the
 * per-item outputs. Without --data, it evaluates on freshly generated held-out items.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=eval")
public final class EvalCommand extends BaseCommand {

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry installed plugins
     */
    @Activate
    public EvalCommand(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "evaluate a checkpoint on a task (eval --checkpoint DIR --task T [--data FILE] [--out FILE.json])";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 eval --checkpoint DIR --task T [--data FILE.jsonl] [--out FILE.json]
                                [--backend pytorch] [--device cpu] [--dtype D] [--max-new-tokens 32]
                                [--limit N] [--generate N] [--seed S] [--skip-bad]
                                [--samples K [--temperature T]]

                Greedy decoding, one completion per item, judged by the task: accuracy (strict:
                the answer inside <answer> tags equals the truth), lenient accuracy (the last
                number anywhere in the output), and format rate. Without --data, evaluates on
                --generate N (default 100) generated held-out items with --seed S (default 12345).
                With --samples K, also the sampled pass@1: K completions per item at temperature
                T (default 1, GRPO's sampling temperature), the fraction strictly correct.
                DIR is a checkpoint folder (e.g. RUN/checkpoints/step-N/policy). Cross-task
                evaluation: train on one task, evaluate here with the other --task.
                --dtype float32|bfloat16 is the dtype the weights are held and computed in, as
                model.dtype: float32 on cpu, bfloat16 on cuda:N by default (whatever the files hold).
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--skip-bad");
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--checkpoint", "--task", "--data", "--out", "--backend", "--device", "--dtype", "--max-new-tokens",
                "--limit", "--generate", "--seed", "--samples", "--temperature");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (!line.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.positional().get(0) + "'");
        }
        Path checkpoint = Path.of(line.require("--checkpoint")).toAbsolutePath();
        String taskName = line.require("--task");
        String backendName = line.value("--backend") == null ? "pytorch" : line.value("--backend");
        String device = line.value("--device") == null ? "cpu" : line.value("--device");
        // As model.dtype: float32 on the CPU, bfloat16 on a GPU (the reference follows it).
        String dtype;
        try {
            dtype = io.mr1.trainer.run.RunConfig.Model.dtypeOption(line.value("--dtype"), device);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Task task;
        PolicyBackend backend;
        try {
            task = io.mr1.trainer.run.TrainingSession.plugin(registry, "", PluginKind.TASK, "task", taskName,
                    Task.class);
            backend = io.mr1.trainer.run.TrainingSession.plugin(registry, "", PluginKind.BACKEND, "backend",
                    backendName, PolicyBackend.class);
        } catch (io.mr1.trainer.run.TrainingSession.SetupException e) {
            err.println("mr1 eval: " + e.getMessage());
            return 2;
        }
        if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.CONFIG))) {
            err.println("mr1 eval: not a checkpoint folder (no config.json): " + checkpoint);
            return 1;
        }
        List<Sample> samples;
        Path generated = null;
        try {
            if (line.has("--data")) {
                samples = task.load(Path.of(line.value("--data")), line.has("--skip-bad"));
            } else {
                generated = Files.createTempDirectory("mr1-eval-");
                samples = task.load(task.generate((int) line.longValue("--generate", 100),
                        line.longValue("--seed", 12345), generated.resolve("data")), false);
            }
        } catch (DataException e) {
            err.println("mr1 eval: " + e.getMessage());
            return 1;
        }
        long limit = line.longValue("--limit", Long.MAX_VALUE);
        if (samples.size() > limit) {
            samples = samples.subList(0, (int) limit);
        }
        Evaluator.SampledPass sampledPass = null;
        if (line.has("--samples")) {
            long k = line.longValue("--samples", 0);
            double temperature = line.doubleValue("--temperature", 1.0);
            if (k < 1 || k > 1024) {
                throw new UsageException("--samples must be between 1 and 1024, got " + k);
            }
            if (!(temperature > 0 && temperature <= 100)) {
                throw new UsageException("--temperature must be in (0, 100], got " + temperature);
            }
            sampledPass = new Evaluator.SampledPass((int) k, temperature, line.longValue("--seed", 12345));
        } else if (line.has("--temperature")) {
            throw new UsageException("--temperature needs --samples K");
        }
        Evaluator.Result result;
        if (!backend.weightDtypes().contains(dtype)) {
            err.println("mr1 eval: --dtype: backend '" + backendName + "' cannot hold weights in " + dtype
                    + "; it holds " + new java.util.TreeSet<>(backend.weightDtypes()));
            return 2;
        }
        try (Policy policy = backend.load(checkpoint, checkpoint, device, dtype, dtype)) {
            int total = samples.size();
            result = Evaluator.evaluate(policy, task, samples, (int) line.longValue("--max-new-tokens", 32),
                    sampledPass, done -> err.printf("\reval %d/%d", done, total));
            err.println();
        } finally {
            if (generated != null) {
                Checkpoints.deleteRecursively(generated);
            }
        }
        out.printf(Locale.ROOT, "%s on %d items: accuracy %.1f%% (lenient %.1f%%), format %.1f%%%n", task.name(),
                result.items(), 100 * result.accuracy(), 100 * result.lenientAccuracy(), 100 * result.formatRate());
        if (result.sampled() != null) {
            out.printf(Locale.ROOT, "sampled pass@1: %.1f%% (%d per item, temperature %s), format %.1f%%%n",
                    100 * result.sampled().accuracy(), result.sampled().samplesPerItem(),
                    result.sampled().temperature(), 100 * result.sampled().formatRate());
        }
        if (line.has("--out")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("checkpoint", checkpoint.toString());
            json.put("task", task.name());
            json.put("items", result.items());
            json.put("accuracy", result.accuracy());
            json.put("lenient_accuracy", result.lenientAccuracy());
            json.put("format_rate", result.formatRate());
            RunFolder.putSampled(json, result);
            json.put("outputs", result.outputs());
            Path target = Path.of(line.value("--out")).toAbsolutePath();
            RunFolder.writeJson(target, json);
            err.println("wrote " + target);
        }
        return 0;
    }
}
