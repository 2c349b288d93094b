package io.mr1.trainer.run;

import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.core.io.AtomicFiles;
import io.mr1.trainer.loop.BackendSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The backend of a running run is configuration. Each run folder holds {@value #FILE}
 * ({@code backend=NAME}), written when training starts; while the run trains, FileInstall
 * watches that one file and ConfigAdmin hands it (PID {@value #PID}) to the run, so an edit
 * of the file or {@code mr1 backend NAME} (which rewrites it) switches the backend after the
 * current step. The installed backends are the plugin registry's (one lookup for the whole
 * product); this component binds them too only to see them go: when the adapter of the
 * backend a run is using goes away, its unbind waits until the run has finished the step,
 * checkpointed and closed its policy (the OSGi rule: stop using a service before unbind
 * returns), so a removal mid-step loses nothing; the run then pauses until a backend is back.
 * A backend being removed is not found from the moment its unbind starts, whichever of this
 * component and the registry is told first.
 *
 * <p>One run per framework is controlled at a time (the PID is a single configuration); a
 * second concurrent run in the same process keeps its starting backend and says so.
 */
@Component(service = BackendControl.class, immediate = true)
public final class BackendControl {

    /** The per-run configuration file in a run folder (file name = PID, as FileInstall reads it). */
    public static final String FILE = "io.mr1.run.cfg";
    /** The ConfigAdmin PID of the running run's settings. */
    public static final String PID = "io.mr1.run";
    /** The key naming the backend. */
    public static final String KEY = "backend";

    private static final Logger LOG = Logger.getLogger(BackendControl.class.getName());
    private static final String FILEINSTALL_FACTORY = "org.apache.felix.fileinstall";
    private static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    /** How long a removal waits for the step in progress (a real model's step takes minutes). */
    private static final long RELEASE_WAIT_MINUTES = 30;

    private final BundleContext context;
    private final PluginRegistry registry;
    /** Backends whose unbind has started (weakly held: an uninstalled bundle's classes can go). */
    private final Set<PolicyBackend> leaving = Collections.newSetFromMap(
            Collections.synchronizedMap(new WeakHashMap<>()));
    private final Map<PolicyBackend, Integer> held = new IdentityHashMap<>();
    private final Object changed = new Object();
    private volatile ConfigurationAdmin configAdmin;
    private volatile Run active;

    /**
     * Creates the component.
     *
     * @param context the trainer bundle's context (null outside a framework: no configuration watch)
     * @param registry the installed plugins, where backends are looked up
     */
    @Activate
    public BackendControl(BundleContext context, @Reference PluginRegistry registry) {
        this.context = context;
        this.registry = registry;
    }

    /**
     * A backend service appeared.
     *
     * @param backend the backend
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeBackend")
    public void addBackend(PolicyBackend backend) {
        leaving.remove(backend);
        signal();
    }

    /**
     * A backend service is going away: once no run finds it any more, waits until a run
     * holding a policy of it has checkpointed and closed that policy.
     *
     * @param backend the backend
     */
    public void removeBackend(PolicyBackend backend) {
        leaving.add(backend);
        signal();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(RELEASE_WAIT_MINUTES);
        synchronized (held) {
            while (held.containsKey(backend)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warning("backend " + backend.name() + " left while a run still used it after "
                            + RELEASE_WAIT_MINUTES + " min; the run may fail");
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(held, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * ConfigAdmin, when installed.
     *
     * @param admin the service
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeConfigAdmin")
    public void addConfigAdmin(ConfigurationAdmin admin) {
        configAdmin = admin;
    }

    /**
     * ConfigAdmin went away.
     *
     * @param admin the service
     */
    public void removeConfigAdmin(ConfigurationAdmin admin) {
        if (configAdmin == admin) {
            configAdmin = null;
        }
    }

    /** @return names of the installed backends (for messages) */
    public List<String> installedNames() {
        return registry.names(PluginKind.BACKEND).stream().filter(n -> find(n).isPresent()).sorted().toList();
    }

    /** The registry's backend of a name, unless it is being removed. */
    private Optional<PolicyBackend> find(String name) {
        return registry.backend(name).filter(b -> !leaving.contains(b));
    }

    /** @return the run folder of the run this process controls now, if any */
    public Optional<Path> activeRun() {
        Run run = active;
        return run == null ? Optional.empty() : Optional.of(run.runDir);
    }

    /**
     * The backend a run folder's {@value #FILE} names.
     *
     * @param runDir the run folder
     * @return the name, or empty when the file is absent
     * @throws IOException if the file cannot be read or names no backend
     */
    public static Optional<String> configured(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        String name = p.getProperty(KEY, "").trim();
        if (name.isEmpty()) {
            throw new IOException(file + ": no '" + KEY + "=NAME' line");
        }
        return Optional.of(name);
    }

    /**
     * Writes a run folder's {@value #FILE} atomically (what {@code mr1 backend} and a new run do).
     *
     * @param runDir the run folder
     * @param backend the backend's name
     * @throws IOException if it cannot be written
     */
    public static void write(Path runDir, String backend) throws IOException {
        AtomicFiles.writeString(runDir.resolve(FILE), """
                # The backend of this run (ConfigAdmin PID io.mr1.run). While the run trains, an edit
                # here (or `mr1 backend NAME`) switches backend after the current step, at a checkpoint.
                backend=%s
                """.formatted(backend));
    }

    /**
     * Starts controlling a run: writes its {@value #FILE} when absent, and (in a framework with
     * ConfigAdmin and FileInstall) watches it until the run is closed.
     *
     * @param runDir the run folder
     * @param configuredBackend the run config's backend, used when the folder has no file yet
     * @param say where to tell the user about the control (or that there is none)
     * @return the run's backend source; close it when the run ends
     * @throws IOException if the file cannot be read or written
     */
    public Run open(Path runDir, String configuredBackend, Consumer<String> say) throws IOException {
        Optional<String> fromFile = configured(runDir);
        if (fromFile.isEmpty()) {
            write(runDir, configuredBackend);
        }
        Run run = new Run(runDir.toAbsolutePath(), fromFile.orElse(configuredBackend), say);
        synchronized (this) {
            if (active != null) {
                say.accept("another run in this process (" + active.runDir + ") has the backend control;"
                        + " this run stays on " + run.requested);
                return run;
            }
            active = run;
        }
        run.watch();
        return run;
    }

    private void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** One run's backend source: its requested backend follows {@value #FILE} while it is watched. */
    public final class Run implements BackendSource, AutoCloseable {

        private final Path runDir;
        private final Consumer<String> say;
        private volatile String requested;
        private ServiceRegistration<ManagedService> registration;
        private Configuration watcher;

        Run(Path runDir, String requested, Consumer<String> say) {
            this.runDir = runDir;
            this.requested = requested;
            this.say = say;
        }

        private void watch() {
            ConfigurationAdmin admin = configAdmin;
            if (context == null || admin == null) {
                say.accept("no ConfigAdmin here: the backend stays " + requested + " for this run");
                return;
            }
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(Constants.SERVICE_PID, PID);
            registration = context.registerService(ManagedService.class, this::updated, props);
            try {
                // A FileInstall watcher for this one file: its poll turns an edit into a configuration update.
                Dictionary<String, Object> watch = new Hashtable<>();
                watch.put("felix.fileinstall.dir", runDir.toString());
                watch.put("felix.fileinstall.filter", java.util.regex.Pattern.quote(FILE));
                watch.put("felix.fileinstall.poll", "500");
                watch.put("felix.fileinstall.noInitialDelay", "true");
                watch.put("felix.fileinstall.enableConfigSave", "false");
                String tmp = context.getProperty("felix.fileinstall.tmpdir");
                if (tmp != null) {
                    watch.put("felix.fileinstall.tmpdir", tmp);
                }
                watcher = admin.createFactoryConfiguration(FILEINSTALL_FACTORY, "?");
                watcher.update(watch);
                say.accept("backend " + requested + "; to switch mid-run: mr1 backend NAME (console: mr1:backend"
                        + " NAME), or edit " + runDir.resolve(FILE));
            } catch (IOException | RuntimeException e) {
                say.accept("cannot watch " + runDir.resolve(FILE) + " (" + e.getMessage() + "); the backend stays "
                        + requested + " for this run");
            }
        }

        /** ConfigAdmin's update of PID io.mr1.run: taken only when it comes from this run's file. */
        private void updated(Dictionary<String, ?> properties) {
            if (properties == null) {
                return;
            }
            Object source = properties.get(FILEINSTALL_FILENAME);
            if (source == null || !source.toString().equals(fileKey())) {
                return; // left over from an earlier run in this process, or set by hand elsewhere
            }
            Object value = properties.get(KEY);
            String name = value == null ? "" : value.toString().trim();
            if (name.isEmpty()) {
                LOG.warning(runDir.resolve(FILE) + ": no '" + KEY + "=NAME' line; the backend stays " + requested);
                return;
            }
            if (!name.equals(requested)) {
                LOG.info(runDir.resolve(FILE) + ": backend " + requested + " -> " + name);
                if (BackendControl.this.find(name).isEmpty()) {
                    say.accept(runDir.resolve(FILE) + ": backend '" + name + "' is not installed (installed: "
                            + String.join(", ", installedNames()) + "); the run stays on its backend until it is");
                }
                requested = name;
                signal();
            }
        }

        /** How FileInstall names the file in the configurations it makes (java.io.File's URI form). */
        private String fileKey() {
            return runDir.resolve(FILE).toFile().getAbsoluteFile().toURI().toString();
        }

        @Override
        public String requested() {
            return requested;
        }

        @Override
        public Optional<PolicyBackend> find(String name) {
            return BackendControl.this.find(name);
        }

        @Override
        public void hold(PolicyBackend backend) {
            synchronized (held) {
                held.merge(backend, 1, Integer::sum);
            }
        }

        @Override
        public void release(PolicyBackend backend) {
            synchronized (held) {
                if (held.merge(backend, -1, Integer::sum) <= 0) {
                    held.remove(backend);
                }
                held.notifyAll();
            }
        }

        @Override
        public void awaitChange(long millis) throws InterruptedException {
            synchronized (changed) {
                changed.wait(millis);
            }
        }

        /** Stops watching; the file stays in the run folder (a resume reads it). */
        @Override
        public void close() {
            synchronized (BackendControl.this) {
                if (active != this) {
                    return;
                }
                active = null;
            }
            try {
                if (watcher != null) {
                    watcher.delete();
                }
                if (registration != null) {
                    registration.unregister();
                }
                ConfigurationAdmin admin = configAdmin;
                if (admin != null) {
                    // The configuration FileInstall made from the file; a later run must not inherit it.
                    Configuration[] left = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + PID + ")");
                    for (Configuration c : left == null ? new Configuration[0] : left) {
                        Object f = c.getProperties() == null ? null : c.getProperties().get(FILEINSTALL_FILENAME);
                        if (f != null && f.toString().equals(fileKey())) {
                            c.delete();
                        }
                    }
                }
            } catch (IOException | RuntimeException | org.osgi.framework.InvalidSyntaxException e) {
                LOG.warning("stopping the watch of " + runDir.resolve(FILE) + ": " + e);
            }
        }
    }
}
