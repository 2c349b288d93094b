package io.mr1.core.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.mr1.api.backend.BackendInfo;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginInfo;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import java.io.PrintStream;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 doctor [--json]}: the Java runtime, and for every installed backend its engine,
 * version, native flavour, visible devices and a one-step smoke test (forward, backward,
 * update). Exits 1 when no backend is installed or a smoke test fails.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=doctor")
public final class DoctorCommand extends BaseCommand {

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the plugin registry
     */
    @Activate
    public DoctorCommand(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "doctor";
    }

    @Override
    public String summary() {
        return "check Java, the installed backends, their devices and a one-step smoke test";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 doctor [--json]

                Reports the Java runtime and, for every installed backend, the engine and its
                version, the native flavour (cpu, cu128 ...), the devices it sees, and whether a
                one-step smoke test (forward, backward, update on a tiny tensor) passed.
                Exit status 1 when no backend is installed or a smoke test fails.
                  --json   print the report as one JSON object
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
        JsonObject report = new JsonObject();
        JsonObject java = new JsonObject();
        java.addProperty("version", System.getProperty("java.version"));
        java.addProperty("vendor", System.getProperty("java.vendor"));
        java.addProperty("home", System.getProperty("java.home"));
        report.add("java", java);
        report.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        report.addProperty("cpus", Runtime.getRuntime().availableProcessors());
        report.addProperty("offline", Boolean.getBoolean("ai.djl.offline"));
        JsonArray backends = new JsonArray();
        boolean healthy = true;
        for (PluginInfo plugin : registry.plugins()) {
            if (plugin.kind() != PluginKind.BACKEND) {
                continue;
            }
            PolicyBackend backend = registry.backend(plugin.name()).orElse(null);
            if (backend == null) {
                continue; // went away while we looked
            }
            JsonObject b = new JsonObject();
            b.addProperty("name", plugin.name());
            b.addProperty("bundle", plugin.bundle() + " " + plugin.version());
            BackendInfo info = backend.info();
            b.addProperty("engine", info.engine());
            b.addProperty("engine_version", info.engineVersion());
            b.addProperty("flavour", info.flavour());
            JsonArray devices = new JsonArray();
            info.devices().forEach(devices::add);
            b.add("devices", devices);
            String failure = info.problem() != null ? info.problem() : backend.smokeTest();
            b.addProperty("smoke_test", failure == null ? "passed" : "failed: " + failure);
            healthy &= failure == null;
            backends.add(b);
        }
        report.add("backends", backends);
        healthy &= backends.size() > 0;
        if (line.has("--json")) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(report));
        } else {
            out.printf("Java      %s (%s) at %s%n", java.get("version").getAsString(), java.get("vendor").getAsString(),
                    java.get("home").getAsString());
            out.printf("System    %s, %d CPUs, offline=%s%n", report.get("os").getAsString(),
                    report.get("cpus").getAsInt(), report.get("offline").getAsBoolean());
            if (backends.isEmpty()) {
                out.println("Backends  none installed (drop a backend adapter into plugins/)");
            }
            backends.forEach(e -> {
                JsonObject b = e.getAsJsonObject();
                out.printf("Backend   %s: %s %s, native %s, devices %s, smoke test %s%n", b.get("name").getAsString(),
                        b.get("engine").getAsString(), b.get("engine_version").getAsString(),
                        b.get("flavour").getAsString(), b.get("devices"), b.get("smoke_test").getAsString());
            });
        }
        if (!healthy) {
            err.println(backends.isEmpty() ? "mr1 doctor: no backend installed" : "mr1 doctor: a backend is unhealthy");
        }
        return healthy ? 0 : 1;
    }
}
