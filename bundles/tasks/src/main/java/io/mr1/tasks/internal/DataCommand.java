package io.mr1.tasks.internal;

import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.task.Task;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.core.io.AtomicFiles;
import io.mr1.tasks.DatasetTask;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 data generate --task T --n N [--seed S] --out DIR}: writes a procedurally
 * generated dataset of any installed task. The data is written into a hidden sibling
 * folder and renamed to DIR at the end, so DIR is either absent or complete.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=data")
public final class DataCommand extends BaseCommand {

    /** From this many items on, progress is printed every 10%. */
    static final int PROGRESS_FROM = 100;

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry where tasks are found by name
     */
    @Activate
    public DataCommand(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "data";
    }

    @Override
    public String summary() {
        return "generate procedural datasets (data generate --task T --n N --seed S --out DIR)";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 data generate --task NAME --n N [--seed S] --out DIR

                Generates N items of the named task (see mr1 plugins) with the task's
                procedural generator: DIR/data.jsonl in the R1-V format, DIR/images/*.png
                and DIR/scenes/*.json. The same seed gives the same bytes (default seed 0).
                DIR must not exist or be empty; it appears only when generation finished.
                Progress goes to stderr every 10% from 100 items on; the path of the
                JSONL file is printed on stdout.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of();
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--task", "--n", "--seed", "--out");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        List<String> positional = line.positional();
        if (positional.isEmpty()) {
            throw new UsageException("missing subcommand; valid: generate");
        }
        if (positional.size() != 1 || !positional.get(0).equals("generate")) {
            throw new UsageException("unknown subcommand '" + String.join(" ", positional) + "'; valid: generate");
        }
        String taskName = line.require("--task");
        line.require("--n");
        long n = line.longValue("--n", 0);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new UsageException("option --n needs a count from 1 to " + Integer.MAX_VALUE + ", got " + n);
        }
        long seed = line.longValue("--seed", 0);
        Path target = Path.of(line.require("--out")).toAbsolutePath().normalize();
        Task task = registry.task(taskName).orElse(null);
        if (task == null) {
            List<String> installed = registry.names(PluginKind.TASK);
            err.println("mr1 data: unknown task '" + taskName + "'; installed tasks: "
                    + (installed.isEmpty() ? "(none)" : String.join(", ", installed)));
            return 2;
        }
        String refusal = refusal(target);
        if (refusal != null) {
            err.println("mr1 data: " + refusal);
            return 1;
        }
        Path tmp = AtomicFiles.stagingFolder(target);
        try {
            Path jsonl = generate(task, (int) n, seed, tmp, progress((int) n, err));
            Path relative = tmp.relativize(jsonl.toAbsolutePath().normalize());
            if (relative.startsWith("..")) {
                err.println("mr1 data: task '" + taskName + "' wrote its JSONL outside the output folder: " + jsonl);
                return 1;
            }
            // Checked again: another process may have created DIR while we generated.
            refusal = refusal(target);
            if (refusal != null) {
                err.println("mr1 data: " + refusal);
                return 1;
            }
            AtomicFiles.commitFolder(tmp, target);
            out.println(target.resolve(relative));
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("mr1 data: generating " + n + " items of " + taskName + " failed: " + e.getMessage());
            return 1;
        } finally {
            AtomicFiles.deleteRecursively(tmp);
        }
    }

    private static Path generate(Task task, int n, long seed, Path dir, IntConsumer progress) throws IOException {
        if (task instanceof DatasetTask datasetTask) {
            return datasetTask.generate(n, seed, dir, progress);
        }
        return task.generate(n, seed, dir);
    }

    /** Prints "generated k/n" each time another tenth is done, for large n only. */
    static IntConsumer progress(int n, PrintStream err) {
        if (n < PROGRESS_FROM) {
            return done -> { };
        }
        int[] lastTenth = {0};
        return done -> {
            int tenth = (int) ((long) done * 10 / n);
            if (tenth > lastTenth[0]) {
                lastTenth[0] = tenth;
                err.println("generated " + done + "/" + n);
            }
        };
    }

    /** @return why the target cannot be written, or null when it is absent or an empty folder */
    private static String refusal(Path target) throws IOException {
        if (!Files.exists(target)) {
            return null;
        }
        if (!Files.isDirectory(target)) {
            return "output " + target + " exists and is not a folder";
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                return "output folder " + target + " exists and is not empty; choose another --out or remove it";
            }
        }
        return null;
    }
}
