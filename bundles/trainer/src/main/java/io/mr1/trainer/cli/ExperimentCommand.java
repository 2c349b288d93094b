package io.mr1.trainer.cli;

import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.trainer.experiment.ExperimentPlan;
import io.mr1.trainer.experiment.ExperimentRunner;
import io.mr1.trainer.experiment.ExperimentSpec;
import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.RunConfig;
import io.mr1.trainer.run.Trainer;
import io.mr1.trainer.run.TrainingSession;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 experiment FILE [--out DIR] [--check]}: the paper's comparisons in one command
 * (see {@link io.mr1.trainer.experiment}). Ctrl-C checkpoints the current run and stops;
 * running the same command again resumes.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=experiment")
public final class ExperimentCommand extends BaseCommand {

    private final TrainingSession session;
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param trainer the trainer's parts (the run driver)
     * @param registry installed plugins
     */
    @Activate
    public ExperimentCommand(@Reference Trainer trainer, @Reference PluginRegistry registry) {
        this.session = trainer.get(TrainingSession.class);
        this.registry = registry;
    }

    @Override
    public String name() {
        return "experiment";
    }

    @Override
    public String summary() {
        return "run arms x seeds x tasks, evaluate all, write results.jsonl, table.md, report.html (experiment FILE)";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 experiment FILE [--out DIR] [--check]

                Runs the experiment FILE (JSON or YAML) describes: a base model (a checkpoint, or a
                tiny model created and warm-started by SFT), tasks with train and test data, arms
                (sft, grpo with a constant beta, grpo-d, any KL schedule or run-config override,
                optionally swept over one parameter), seeds and a budget. Every arm is trained for
                every seed and train task and evaluated on every task's test split; DIR (default
                experiments/NAME) receives results.jsonl, table.md (Table 1's shape: means over
                seeds with 95% intervals, relative improvements, paired tests) and report.html.
                Running the command again resumes: finished runs are reused, a half-finished run
                continues from its last checkpoint. --check validates the file and every run's
                configuration and prints the plan without running anything.
                See docs/EXPERIMENTS.md and examples/paper-tiny.yaml.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--check");
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--out");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().size() != 1) {
            throw new UsageException("give one experiment file (JSON or YAML)");
        }
        Path file = Path.of(line.positional().get(0)).toAbsolutePath();
        if (!Files.isRegularFile(file)) {
            err.println("mr1 experiment: file not found: " + file);
            return 2;
        }
        ExperimentSpec spec;
        Map<String, Object> values;
        try {
            values = RunConfig.readValues(file);
            spec = ExperimentSpec.parse(file.toString(), values, file.getParent());
        } catch (ConfigException e) {
            err.println("mr1 experiment: " + e.getMessage());
            return 2;
        }
        Path dir = Path.of(line.value("--out") != null ? line.value("--out") : "experiments/" + spec.name())
                .toAbsolutePath();
        if (line.has("--check")) {
            ExperimentPlan plan = new ExperimentPlan(spec, dir);
            try {
                plan.validate();
            } catch (ConfigException e) {
                err.println("mr1 experiment: " + e.getMessage());
                return 2;
            }
            out.println("experiment " + spec.name() + ": valid; " + spec.tasks().size() + " task(s), "
                    + spec.arms().size() + " arm(s), " + spec.seeds().size() + " seed(s), "
                    + plan.runs().size() + " training run(s)" + (spec.base().checkpoint() == null
                    ? " after " + spec.base().warmStart().size() + " warm-start stage(s)" : "") + "; output " + dir);
            for (ExperimentPlan.ArmRun run : plan.runs()) {
                out.println("  " + run.label());
            }
            return 0;
        }
        try (StopOnSignal stop = new StopOnSignal(err,
                "mr1 experiment: interrupted; checkpointing the current run before exiting ...")) {
            try {
                err.println("experiment folder: " + dir);
                new ExperimentRunner(session, registry, err, System.console() != null, stop::requested)
                        .run(spec, values, dir);
            } catch (ExperimentRunner.Stopped e) {
                err.println("mr1 experiment: stopped; run the same command again to resume");
                return 130;
            } catch (ConfigException | TrainingSession.SetupException e) {
                err.println("mr1 experiment: " + e.getMessage());
                return 2;
            }
            out.println("results: " + dir.resolve("results.jsonl"));
            out.println("table: " + dir.resolve("table.md"));
            out.println("report: " + dir.resolve("report.html"));
            return 0;
        }
    }
}
