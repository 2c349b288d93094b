package io.mr1.trainer.cli;

import io.mr1.api.cli.CliCommand;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.trainer.run.BackendControl;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 backend [NAME] [--run RUN_DIR]} ({@code mr1:backend} in the console): shows or
 * sets the backend of a running run by rewriting its {@code io.mr1.run.cfg}, which FileInstall
 * hands to the run through ConfigAdmin; the run switches after its current step, at a checkpoint.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=backend")
public final class BackendCommand extends BaseCommand {

    private final BackendControl backends;

    /**
     * Creates the command.
     *
     * @param backends the installed backends and the run this process trains
     */
    @Activate
    public BackendCommand(@Reference BackendControl backends) {
        this.backends = backends;
    }

    @Override
    public String name() {
        return "backend";
    }

    @Override
    public String summary() {
        return "show or switch the backend of a running run (backend [NAME] [--run RUN_DIR])";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 backend [NAME] [--run RUN_DIR]

                Without NAME, prints the backend a run is set to and the installed backends.
                With NAME, sets the run's backend: the run finishes its current step, writes a
                checkpoint, loads it on NAME and continues (metrics.jsonl names each step's
                backend and has a backend_switch line). The setting is the file
                RUN_DIR/io.mr1.run.cfg (backend=NAME), which may also be edited by hand.
                Without --run, the run training in this process (the console's mr1:train).
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of();
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--run");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().size() > 1) {
            throw new UsageException("unexpected argument '" + line.positional().get(1) + "'");
        }
        Path runDir;
        if (line.has("--run")) {
            runDir = Path.of(line.value("--run")).toAbsolutePath();
            if (!Files.isRegularFile(runDir.resolve(BackendControl.FILE))) {
                err.println("mr1 backend: " + runDir + " has no " + BackendControl.FILE + " (it is written when"
                        + " mr1 train starts training in a run folder)");
                return 2;
            }
        } else {
            Optional<Path> active = backends.activeRun();
            if (active.isEmpty()) {
                err.println("mr1 backend: no run is training in this process; give --run RUN_DIR");
                return 2;
            }
            runDir = active.get();
        }
        String installed = backends.installedNames().isEmpty() ? "(none installed)"
                : String.join(", ", backends.installedNames());
        if (line.positional().isEmpty()) {
            out.println(runDir + ": backend " + BackendControl.configured(runDir).orElse("?") + " (installed: "
                    + installed + ")");
            return 0;
        }
        String name = line.positional().get(0);
        if (!backends.installedNames().contains(name)) {
            err.println("mr1 backend: unknown backend '" + name + "'; installed: " + installed);
            return 2;
        }
        BackendControl.write(runDir, name);
        out.println(runDir + ": backend " + name + " requested; the run switches after its current step");
        return 0;
    }
}
