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
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 data generate --task T --n N [--seed S] [--options FILE] [--option K=V]... --out DIR}:
 * writes a procedurally generated dataset of any installed task, with the task's per-run
 * options (the run config's {@code task_options}), and records task, count, seed and options
 * in {@code DIR/generation.json}. The data is written into a hidden sibling folder and
 * renamed to DIR at the end, so DIR is either absent or complete.
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
        return "generate procedural datasets (data generate --task T --n N --seed S [--option K=V] --out DIR)";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 data generate --task NAME --n N [--seed S] [--options FILE.json]
                                         [--option KEY=VALUE]... --out DIR

                Generates N items of the named task (see mr1 plugins) with the task's
                procedural generator: DIR/data.jsonl in the R1-V format, DIR/images/*.png
                and DIR/scenes/*.json. The same seed and options give the same bytes
                (default seed 0, no options: the task as installed).
                DIR must not exist or be empty; it appears only when generation finished.
                Progress goes to stderr every 10% from 100 items on; the path of the
                JSONL file is printed on stdout.

                Task options are the run config's task_options (docs/CONFIG.md, each task
                plugin's README), e.g. for visual-counting
                  --option max_objects=5 --option 'question_mix={"items": 1, "color": 3}'
                and for geometry-reasoning
                  --option 'families=["lengths", "circle-angles"]'
                  --options FILE.json   a JSON object of options
                  --option KEY=VALUE    one option, repeatable, over the file's; VALUE is
                                        read as JSON when it is a JSON value (number,
                                        true/false, [list], {map}, "string"), else as text
                An unknown key or a bad value is a usage error naming task_options.KEY.
                DIR/generation.json records the task, n, seed and options; its "options"
                object, saved as a file, is an --options file that makes the same data.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of();
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--task", "--n", "--seed", "--out", "--options", "--option");
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
        if (line.values("--options").size() > 1) {
            throw new UsageException("option --options takes one file; put every option in it or use --option");
        }
        String optionsFile = line.value("--options");
        Map<String, Object> options = GenerationOptions.read(optionsFile == null ? null : Path.of(optionsFile),
                line.values("--option"));
        Task installedTask = registry.task(taskName).orElse(null);
        if (installedTask == null) {
            List<String> installed = registry.names(PluginKind.TASK);
            err.println("mr1 data: unknown task '" + taskName + "'; installed tasks: "
                    + (installed.isEmpty() ? "(none)" : String.join(", ", installed)));
            return 2;
        }
        Task task;
        try {
            task = installedTask.withOptions(options);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String refusal = refusal(target);
        if (refusal != null) {
            err.println("mr1 data: " + refusal);
            return 1;
        }
        Path tmp = AtomicFiles.stagingFolder(target);
        try {
            Path jsonl = generate(task, (int) n, seed, tmp, progress((int) n, err));
            GenerationOptions.writeRecord(tmp, taskName, (int) n, seed, options);
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
