package io.mr1.core.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.DuplicatePluginException;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code mr1 plugins [--json]}: every registered backend, reward, KL schedule and task. */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=plugins")
public final class PluginsCommand extends BaseCommand {

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the plugin registry
     */
    @org.osgi.service.component.annotations.Activate
    public PluginsCommand(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    public String summary() {
        return "list installed backends, rewards, KL schedules and tasks";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 plugins [--json]

                Lists every registered plugin service with the bundle that provides it.
                  --json   print a JSON array of {"kind", "name", "bundle", "version"};
                           kind is one of backend, reward, kl-schedule, task
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--json");
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of();
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws UsageException {
        if (!line.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.positional().get(0) + "'");
        }
        List<PluginInfo> plugins = registry.plugins();
        if (line.has("--json")) {
            out.println(toJson(plugins));
        } else {
            printTable(plugins, out);
        }
        duplicates(plugins).forEach(d -> err.println("mr1 plugins: warning: " + d));
        return 0;
    }

    /**
     * One line per name that two or more services of a kind share (a run that uses it fails),
     * in the words of the error that run would give ({@link DuplicatePluginException}).
     *
     * @param plugins the registered plugins
     * @return e.g. "reward 'format' is provided by 2 bundles (a@1.0.0, b@0.1.0); a run that uses it fails ..."
     */
    static List<String> duplicates(List<PluginInfo> plugins) {
        List<String> out = new ArrayList<>();
        plugins.stream().map(p -> Map.entry(p.kind(), p.name())).distinct().forEach(key ->
                DuplicatePluginException.among(plugins, key.getKey(), key.getValue()).ifPresent(e ->
                        out.add(e.getMessage() + "; a run that uses it fails until only one is installed")));
        return out;
    }

    static String toJson(List<PluginInfo> plugins) {
        JsonArray array = new JsonArray();
        for (PluginInfo p : plugins) {
            JsonObject o = new JsonObject();
            o.addProperty("kind", p.kind().label());
            o.addProperty("name", p.name());
            o.addProperty("bundle", p.bundle());
            o.addProperty("version", p.version());
            array.add(o);
        }
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(array);
    }

    static void printTable(List<PluginInfo> plugins, PrintStream out) {
        if (plugins.isEmpty()) {
            out.println("No plugins registered.");
            return;
        }
        int kindWidth = "KIND".length();
        int nameWidth = "NAME".length();
        for (PluginInfo p : plugins) {
            kindWidth = Math.max(kindWidth, p.kind().label().length());
            nameWidth = Math.max(nameWidth, p.name().length());
        }
        String format = "%-" + kindWidth + "s  %-" + nameWidth + "s  %s%n";
        out.printf(format, "KIND", "NAME", "BUNDLE");
        for (PluginInfo p : plugins) {
            out.printf(format, p.kind().label(), p.name(), p.bundle() + " " + p.version());
        }
    }
}
