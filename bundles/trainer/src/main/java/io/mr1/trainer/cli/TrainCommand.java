package io.mr1.trainer.cli;

import io.mr1.api.cli.CliCommand;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.trainer.run.ConfigException;
import io.mr1.trainer.run.RunConfig;
import io.mr1.trainer.run.RunFolder;
import io.mr1.trainer.run.Trainer;
import io.mr1.trainer.run.TrainingSession;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 train --config FILE [--out RUN_DIR]} and {@code mr1 train --resume RUN_DIR}.
 * Ctrl-C (SIGINT/SIGTERM) asks the loop to stop after the current step; it writes a
 * checkpoint before the process exits, and --resume continues from it.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=train")
public final class TrainCommand extends BaseCommand {

    private final TrainingSession session;

    /**
     * Creates the command.
     *
     * @param trainer the trainer's parts (the run driver)
     */
    @Activate
    public TrainCommand(@Reference Trainer trainer) {
        this.session = trainer.get(TrainingSession.class);
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train with GRPO-D or SFT from a config (train --config FILE [--out RUN_DIR] | --resume RUN_DIR)";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 train --config FILE [--out RUN_DIR]
                       mr1 train --resume RUN_DIR

                Trains a policy with GRPO-D (algorithm: grpo) or supervised fine-tuning
                (algorithm: sft) as the config (JSON or YAML) says; see docs/CONFIG.md and the
                files in examples/. RUN_DIR (default runs/<time>) receives config.json,
                run-config.json, metrics.jsonl, samples.jsonl, checkpoints/step-N/, eval/ and
                report.html. Ctrl-C writes a checkpoint first; --resume continues a run from its
                last checkpoint with the same metric stream as an uninterrupted run. The run's
                backend is RUN_DIR/io.mr1.run.cfg: mr1 backend NAME (or an edit of the file)
                switches it after the current step, at a checkpoint.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of();
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--config", "--out", "--resume");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (!line.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.positional().get(0) + "'");
        }
        boolean resume = line.has("--resume");
        if (resume == line.has("--config")) {
            throw new UsageException("give either --config FILE or --resume RUN_DIR");
        }
        if (resume && line.has("--out")) {
            throw new UsageException("--out does not go with --resume (the run folder is RUN_DIR)");
        }
        Path runDir;
        TrainingSession.Prepared prepared;
        try {
            if (resume) {
                runDir = Path.of(line.value("--resume")).toAbsolutePath();
                prepared = session.reload(runDir);
            } else {
                Path config = Path.of(line.value("--config")).toAbsolutePath();
                if (!java.nio.file.Files.isRegularFile(config)) {
                    err.println("mr1 train: config file not found: " + config);
                    return 1;
                }
                runDir = Path.of(line.value("--out") != null ? line.value("--out")
                        : "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                        .toAbsolutePath();
                RunConfig rc = RunConfig.read(config, config.getParent());
                prepared = session.start(session.prepare(rc), runDir, err);
            }
        } catch (ConfigException | TrainingSession.SetupException e) {
            err.println("mr1 train: " + e.getMessage());
            return 2;
        } catch (java.nio.file.FileSystemException e) {
            // Its message is only the path: say what could not be done to it.
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            err.println("mr1 train: cannot write " + e.getFile() + ": " + why
                    + (resume ? "" : " (choose an --out folder you may write to)"));
            return 1;
        }
        err.println("run folder: " + runDir);
        try {
            return runInterruptibly(session, prepared, runDir, err);
        } catch (TrainingSession.SetupException e) {
            err.println("mr1 train: " + e.getMessage()); // e.g. no checkpoint verifies: the folder is unchanged
            return 2;
        } catch (Exception | LinkageError e) {
            if (!resume) {
                removeIfNeverCheckpointed(runDir, err);
            }
            throw e;
        }
    }

    /**
     * A new run that fails before its first checkpoint has nothing --resume could use: its
     * folder is removed rather than left half-written.
     */
    static void removeIfNeverCheckpointed(Path runDir, PrintStream err) {
        if (java.nio.file.Files.exists(runDir.resolve(io.mr1.trainer.loop.CheckpointStore.FOLDER))) {
            return;
        }
        try {
            io.mr1.core.io.AtomicFiles.deleteRecursively(runDir);
            err.println("mr1 train: the run failed before its first checkpoint; removed " + runDir);
        } catch (java.io.IOException e) {
            err.println("mr1 train: the run failed before its first checkpoint; could not remove " + runDir
                    + " (" + e.getMessage() + ")");
        }
    }

    /** Runs with a shutdown hook that turns Ctrl-C into "checkpoint, then exit". */
    static int runInterruptibly(TrainingSession session, TrainingSession.Prepared prepared, Path runDir,
                                PrintStream err) throws Exception {
        try (StopOnSignal stop = new StopOnSignal(err,
                "mr1 train: interrupted; writing a checkpoint before exiting ...")) {
            TrainingSession.Outcome outcome = session.train(prepared, runDir, err, System.console() != null,
                    stop::requested);
            if (outcome.stopped()) {
                err.println("mr1 train: stopped; continue with: mr1 train --resume " + runDir);
                return 130;
            }
            if (outcome.evaluation() != null) {
                err.printf(java.util.Locale.ROOT, "held-out accuracy %.1f%% (lenient %.1f%%), format %.1f%%%n",
                        100 * outcome.evaluation().accuracy(), 100 * outcome.evaluation().lenientAccuracy(),
                        100 * outcome.evaluation().formatRate());
            }
            err.println("report: " + runDir.resolve("report.html"));
            return 0;
        }
    }
}
