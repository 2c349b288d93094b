package io.mr1.trainer.cli;

import io.mr1.api.cli.CliCommand;
import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleParameters;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.trainer.report.LinePlot;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import java.util.stream.IntStream;

/** {@code mr1 schedule NAME --steps N [--set key=value]... [--csv] [--png FILE]}: previews a KL schedule. */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=schedule")
public final class ScheduleCommand extends BaseCommand {

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry where schedules are found
     */
    @Activate
    public ScheduleCommand(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "schedule";
    }

    @Override
    public String summary() {
        return "preview a KL schedule: beta(s) for s = 0..N";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 schedule NAME --steps N [--set key=value]... [--csv] [--png FILE]

                Computes the KL weight beta(s) of schedule NAME for s = 0..N with t = N.
                  --steps N          total steps t (required, >= 1)
                  --set key=value    a schedule parameter (repeatable); preset=NAME selects a preset
                  --csv              print 'step,beta' and one row per step
                  --png FILE         also draw the curve into a PNG file
                Without --csv, prints the parameters and up to eleven evenly spaced rows.
                Installed schedules and their keys: mr1 plugins; each plugin's README.
                Example: mr1 schedule grpo-d --steps 100 --set preset=counting --csv
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--csv");
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--steps", "--set", "--png");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().size() != 1) {
            throw new UsageException(line.positional().isEmpty() ? "missing schedule NAME"
                    : "expected one schedule NAME, got " + line.positional());
        }
        String name = line.positional().get(0);
        long steps = line.longValue("--steps", -1);
        if (steps < 1) {
            throw new UsageException(line.has("--steps") ? "--steps must be >= 1" : "missing required option --steps");
        }
        KlScheduleProvider provider;
        try {
            provider = io.mr1.trainer.run.TrainingSession.plugin(registry, "", PluginKind.KL_SCHEDULE,
                    "KL schedule", name, KlScheduleProvider.class);
        } catch (io.mr1.trainer.run.TrainingSession.SetupException e) {
            err.println("mr1 schedule: " + e.getMessage());
            return 2;
        }
        KlSchedule schedule;
        try {
            schedule = provider.create(line.keyValues("--set"));
        } catch (IllegalArgumentException e) {
            err.println("mr1 schedule: " + e.getMessage());
            return 2;
        }
        double[] x = new double[(int) steps + 1];
        double[] beta = new double[(int) steps + 1];
        for (int s = 0; s <= steps; s++) {
            x[s] = s;
            beta[s] = schedule.beta(s, steps);
        }
        if (line.has("--csv")) {
            out.println("step,beta");
            for (int s = 0; s <= steps; s++) {
                out.println(s + "," + beta[s]);
            }
        } else {
            out.println("schedule " + name + " over " + steps + " steps; parameters: " + describe(provider,
                    line.keyValues("--set")));
            out.printf("%8s  %s%n", "step", "beta");
            for (int s : previewSteps(steps)) {
                out.printf("%8d  %s%n", s, beta[s]);
            }
        }
        String png = line.value("--png");
        if (png != null) {
            Path file = Path.of(png);
            new LinePlot("KL schedule " + name, "step", "beta").add(name, x, beta).writePng(file);
            (line.has("--csv") ? err : out).println("wrote " + file.toAbsolutePath());
        }
        return 0;
    }

    /**
     * The steps the preview table shows: eleven evenly spaced ones from 0 to {@code steps}, each once (with
     * fewer than ten steps, rounding would otherwise repeat a step, e.g. 0, 0, 1, 1, 1, 2 ... for three).
     *
     * @param steps total steps t, at least 1
     * @return distinct steps in increasing order, 0 and {@code steps} included
     */
    static int[] previewSteps(long steps) {
        return IntStream.rangeClosed(0, 10).map(i -> (int) Math.round(steps * i / 10.0)).distinct().toArray();
    }

    /** The parameters in effect: defaults, then the preset, then the --set values. */
    private static String describe(KlScheduleProvider provider, Map<String, String> overrides) {
        StringBuilder sb = new StringBuilder();
        Map<String, Double> resolved = ScheduleParameters.resolve(provider.name(), provider.parameters(),
                provider.presets(), io.mr1.api.kl.ScheduleOverrides.parse(provider.name(), overrides));
        resolved.forEach((key, value) -> sb.append(sb.length() == 0 ? "" : ", ").append(key).append('=')
                .append(value.isNaN() ? "unset" : value.toString()));
        if (overrides.containsKey(ScheduleParameters.PRESET)) {
            sb.append(" (preset ").append(overrides.get(ScheduleParameters.PRESET)).append(')');
        }
        return sb.toString();
    }
}
