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
import io.mr1.core.cli.ModelDoctor;
import io.mr1.core.cli.UsageException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code mr1 doctor [--json]}: the Java runtime, and for every installed backend its engine,
 * version, native flavour, visible devices and a one-step smoke test (forward, backward,
 * update). Exits 1 when no backend is installed or a smoke test fails. With
 * {@code --model DIR} it checks a model folder instead, through the {@link ModelDoctor} service;
 * with {@code --parity CHECKPOINT} it compares the backends' log-probs ({@link BackendParity}).
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=doctor")
public final class DoctorCommand extends BaseCommand {

    private static final String PARITY = "--parity";
    private static final String TOLERANCE = "--tolerance";

    private final PluginRegistry registry;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ModelDoctor modelDoctor;

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
                       mr1 doctor --model DIR [--device D] [--batch B] [--generations G]
                                  [--max-length L] [--micro-batch M] [--dtype T] [--device-memory GIB] [--json]
                       mr1 doctor --parity CHECKPOINT [--device D] [--tolerance T] [--json]

                Reports the Java runtime and, for every installed backend, the engine and its
                version, the native flavour (cpu, cu128 ...), the devices it sees, and whether a
                one-step smoke test (forward, backward, update on a tiny tensor) passed.
                Exit status 1 when no backend is installed or a smoke test fails.

                With --model, checks a Hugging Face Qwen2-VL folder without loading its weights:
                the architecture, the exact parameter count (sum of the tensors' sizes), dtype,
                the config keys mr1 ignores, whether the tensors match config.json, and the
                memory a GRPO-D run needs on one device (weights, gradients, AdamW moments, the
                frozen reference, KV cache and activations at B x G x L) against the device's
                memory: "fits" or "does not fit" and what to change. Exit status 1 when the
                folder does not match its config or the run does not fit.
                  --device D          cpu (default) or cuda:N (memory from nvidia-smi)
                  --batch B           prompts per step (default 1)
                  --generations G     completions per prompt (default 8)
                  --max-length L      prompt + completion tokens (default 1024)
                  --micro-batch M     completions per training pass (default B x G)
                  --dtype T           float32 or bfloat16, as model.dtype (default: float32 on
                                      cpu, bfloat16 on cuda:N); bfloat16 weights 2 B, float32
                                      master copies 4 B and moments 8 B per parameter
                  --device-memory GIB the device's memory when it cannot be read
                  --json              print the report as one JSON object

                With --parity, loads the checkpoint on every installed backend, samples
                completions of two fixed text prompts (seed 1234) on the first backend by name,
                scores those same tokens on every backend and prints, for each pair, the
                largest per-token log-prob difference |a - b| and its scaled form
                |a - b| / max(|a|, 1). Exit status 1 when a scaled difference exceeds the
                tolerance (--tolerance, default 1e-4), fewer than two backends are installed or
                one cannot load the checkpoint.
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of("--json");
    }

    @Override
    protected Set<String> valuedOptions() {
        Set<String> options = new java.util.HashSet<>(ModelDoctor.OPTIONS);
        options.add(PARITY);
        options.add(TOLERANCE);
        return options;
    }

    private int parity(CommandLine line, PrintStream out, PrintStream err) throws UsageException {
        if (line.has("--model")) {
            throw new UsageException("--parity and --model are separate checks; give one");
        }
        String device = line.value("--device") == null ? "cpu" : line.value("--device");
        double tolerance = line.doubleValue(TOLERANCE, BackendParity.DEFAULT_TOLERANCE);
        if (!(tolerance >= 0)) {
            throw new UsageException(TOLERANCE + " must be a number >= 0");
        }
        Map<String, PolicyBackend> backends = new TreeMap<>();
        for (PluginInfo plugin : registry.plugins()) {
            if (plugin.kind() == PluginKind.BACKEND) {
                registry.backend(plugin.name()).ifPresent(b -> backends.put(plugin.name(), b));
            }
        }
        return BackendParity.run(backends, Path.of(line.value(PARITY)), device, tolerance, line.has("--json"), out, err);
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (!line.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.positional().get(0) + "'");
        }
        if (line.has("--model")) {
            ModelDoctor doctor = modelDoctor;
            if (doctor == null) {
                err.println("mr1 doctor: model checks need the trainer bundle, which is not running");
                return 1;
            }
            return doctor.check(line, line.has("--json"), out, err);
        }
        if (line.has(PARITY)) {
            return parity(line, out, err);
        }
        if (line.has(TOLERANCE)) {
            throw new UsageException(TOLERANCE + " needs --parity CHECKPOINT");
        }
        for (String option : ModelDoctor.OPTIONS) {
            if (line.has(option)) {
                throw new UsageException(option + " needs --model DIR");
            }
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
