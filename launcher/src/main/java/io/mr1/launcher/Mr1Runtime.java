package io.mr1.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * A running mr1 framework over a distribution folder. {@link #start} installs and starts
 * every jar in {@code bundles/}, lets FileInstall install {@code plugins/}, and returns
 * once the plugins present at start-up are active (or known to be broken), so a command
 * sees every plugin. The framework's bundle cache is a fresh temporary folder per
 * process: the folders are the state, and two launchers never share a cache.
 */
public final class Mr1Runtime implements AutoCloseable {

    /** Service interface name of launcher commands (io.mr1.api.cli.CliCommand), used by name only. */
    static final String COMMAND_INTERFACE = "io.mr1.api.cli.CliCommand";
    /** Service property naming a command. */
    static final String COMMAND_NAME_PROPERTY = "mr1.command";
    /** Symbolic name of the Gogo shell bundle, started only for {@code mr1 console}. */
    static final String GOGO_SHELL = "org.apache.felix.gogo.shell";

    private final Path home;
    private final Framework framework;
    private final Path storage;
    private final BundleCache.Lease lease;
    private final List<String> warnings = new ArrayList<>();

    private Mr1Runtime(Path home, Framework framework, Path storage, BundleCache.Lease lease) {
        this.home = home;
        this.framework = framework;
        this.storage = storage;
        this.lease = lease;
    }

    /**
     * Boots the framework over a distribution folder.
     *
     * @param home the distribution folder holding bundles/, plugins/ and conf/
     * @param console start the Gogo shell on stdin/stdout
     * @param pluginsDir the folder FileInstall watches (normally home/plugins)
     * @return the running framework
     * @throws IOException if the folders cannot be read
     * @throws BundleException if a resident bundle cannot be installed or started
     */
    public static Mr1Runtime start(Path home, boolean console, Path pluginsDir) throws IOException, BundleException {
        Path bundlesDir = home.resolve("bundles");
        if (!Files.isDirectory(bundlesDir)) {
            throw new IOException("not an mr1 distribution (no bundles/ folder): " + home);
        }
        Files.createDirectories(pluginsDir);
        // Caches of processes that were killed (their lock is gone with them) are removed first.
        BundleCache.cleanStale(BundleCache.tempRoot());
        BundleCache.Lease lease = BundleCache.create(BundleCache.tempRoot());
        // Felix cleans its storage folder on first init: it lives beside the lock file, not around it.
        Path storage = lease.folder().resolve("felix");
        Framework framework;
        try {
            Map<String, String> props = frameworkProperties(home, pluginsDir, storage, console);
            FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/)"));
            framework = factory.newFramework(props);
            framework.init();
        } catch (IOException | BundleException | RuntimeException e) {
            lease.release();
            throw e;
        }
        Mr1Runtime runtime = new Mr1Runtime(home, framework, storage, lease);
        try {
            List<Bundle> resident = runtime.installResident(bundlesDir);
            framework.start();
            runtime.checkResident(resident);
            runtime.awaitPlugins(pluginsDir, 20_000);
            if (console) {
                // Last, so the shell's first line already sees every command and plugin.
                runtime.startShell();
            }
        } catch (IOException | BundleException | RuntimeException e) {
            runtime.close();
            throw e;
        }
        return runtime;
    }

    /** Framework properties: built-in defaults, overridden by conf/framework.properties. */
    private static Map<String, String> frameworkProperties(Path home, Path plugins, Path storage, boolean console)
            throws IOException {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // Felix and SCR print to stdout/stderr; the launcher routes those to the log file.
        props.put("felix.log.level", "1");
        props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "2");
        props.put("felix.startlevel.bundle", "2"); // FileInstall's plugins start with the rest
        props.put("ds.loglevel", "warn");
        props.put("felix.fileinstall.dir", plugins.toAbsolutePath().toString());
        props.put("felix.fileinstall.poll", "500");
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.filter", ".*\\.(jar|cfg|config)");
        props.put("felix.fileinstall.enableConfigSave", "false");
        props.put("felix.fileinstall.bundles.new.start", "true");
        props.put("felix.fileinstall.log.level", "2");
        props.put("felix.fileinstall.tmpdir", storage.resolve("fileinstall-tmp").toString());
        // The shell bundle provides Gogo's built-in commands; the console itself is mr1's loop
        // (io.mr1.console's ConsoleLoop), so the shell's own start-up job reads no input.
        props.put("gosh.args", "--nointeractive --noshutdown --quiet");
        props.put("mr1.home", home.toAbsolutePath().toString());
        Path conf = home.resolve("conf").resolve("framework.properties");
        if (Files.isRegularFile(conf)) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(conf)) {
                file.load(in);
            }
            file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
        }
        return props;
    }

    private List<Bundle> installResident(Path bundlesDir) throws IOException, BundleException {
        BundleContext context = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars(bundlesDir)) {
            try {
                // reference: the framework reads the jar in place instead of copying it into its
                // cache; the native engine bundle alone is over 100 MB.
                installed.add(context.installBundle("reference:" + jar.toUri()));
            } catch (BundleException e) {
                throw new BundleException("cannot install resident bundle " + jar + ": " + e.getMessage(), e);
            }
        }
        List<Bundle> toStart = new ArrayList<>();
        for (Bundle bundle : installed) {
            bundle.adapt(BundleStartLevel.class).setStartLevel(startLevel(bundle.getSymbolicName()));
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            boolean shell = GOGO_SHELL.equals(bundle.getSymbolicName());
            if (fragment || shell) {
                continue;
            }
            bundle.start(); // marks it started; it starts when framework.start() raises the start level
            toStart.add(bundle);
        }
        return toStart;
    }

    private void startShell() throws BundleException {
        for (Bundle b : framework.getBundleContext().getBundles()) {
            if (GOGO_SHELL.equals(b.getSymbolicName())) {
                b.start(Bundle.START_TRANSIENT);
                return;
            }
        }
        throw new BundleException("the Gogo shell bundle " + GOGO_SHELL + " is not in bundles/");
    }

    /**
     * Logging and the ServiceLoader mediator start first (level 1), everything else at level 2:
     * a bundle that logs while slf4j has no provider yet would leave slf4j failed for the JVM.
     */
    private static int startLevel(String symbolicName) {
        String n = symbolicName == null ? "" : symbolicName;
        return n.startsWith("slf4j.") || n.startsWith("org.apache.aries.spifly") || n.startsWith("org.objectweb.asm")
                ? 1 : 2;
    }

    /** A resident bundle that did not start means a broken distribution: fail with the resolver's reason. */
    private void checkResident(List<Bundle> resident) throws BundleException {
        for (Bundle bundle : resident) {
            if (bundle.getState() != Bundle.ACTIVE) {
                try {
                    bundle.start();
                } catch (BundleException e) {
                    throw new BundleException("resident bundle " + bundle.getLocation() + " cannot start: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    private static List<Path> jars(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }

    /**
     * Waits until every plugin jar present in the folder has been installed by FileInstall
     * and is active, or is known not to resolve (then a warning names it and the reason).
     */
    private void awaitPlugins(Path pluginsDir, long timeoutMillis) throws IOException {
        Map<String, String> broken = new TreeMap<>();
        List<Path> expected = new ArrayList<>();
        for (Path jar : jars(pluginsDir)) {
            // FileInstall skips these without a word: reported now, not after a timeout.
            PluginJars.problem(jar).ifPresentOrElse(why -> warnings.add("plugin " + jar.getFileName()
                    + " is ignored: " + why), () -> expected.add(jar));
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            List<Path> pending = new ArrayList<>();
            for (Path jar : expected) {
                String name = jar.getFileName().toString();
                if (broken.containsKey(name)) {
                    continue;
                }
                Bundle bundle = findByFileName(name);
                if (bundle == null || !settled(bundle, name, broken)) {
                    pending.add(jar);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                pending.forEach(p -> warnings.add("plugin " + p.getFileName() + " was not installed within "
                        + timeoutMillis / 1000 + " s (FileInstall did not take it; its messages, if any, are in "
                        + "the log)"));
                break;
            }
            sleep(50);
        }
        broken.forEach((name, why) -> warnings.add("plugin " + name + " cannot start: " + why));
    }

    /** Whether a plugin bundle is done starting; a bundle that cannot resolve goes to broken. */
    private boolean settled(Bundle bundle, String fileName, Map<String, String> broken) {
        int state = bundle.getState();
        if (state == Bundle.ACTIVE) {
            return true;
        }
        boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
        if (fragment && state == Bundle.RESOLVED) {
            return true;
        }
        if (state == Bundle.INSTALLED) {
            FrameworkWiring wiring = framework.adapt(FrameworkWiring.class);
            if (!wiring.resolveBundles(List.of(bundle))) {
                try {
                    bundle.start(); // fails with the resolver's explanation
                } catch (BundleException e) {
                    broken.put(fileName, e.getMessage());
                    return true;
                } catch (IllegalStateException e) {
                    return false; // uninstalled under us; treat as pending
                }
            }
        }
        return false;
    }

    private Bundle findByFileName(String fileName) {
        for (Bundle b : framework.getBundleContext().getBundles()) {
            String location = b.getLocation();
            if (location.endsWith("/" + fileName) || location.endsWith(java.io.File.separator + fileName)) {
                return b;
            }
        }
        return null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** @return problems seen while starting (broken plugins), for stderr */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** @return the distribution folder */
    public Path home() {
        return home;
    }

    /** @return the running framework */
    public Framework framework() {
        return framework;
    }

    /**
     * The command services registered now, by name, with their one-line summaries.
     *
     * @return command name to summary, sorted by name
     */
    public Map<String, String> commands() {
        Map<String, String> out = new TreeMap<>();
        for (ServiceReference<?> ref : commandReferences(null)) {
            Object name = ref.getProperty(COMMAND_NAME_PROPERTY);
            if (name == null) {
                continue;
            }
            try {
                out.put(name.toString(), String.valueOf(call(ref, "summary", new Class<?>[0])));
            } catch (Exception e) {
                out.put(name.toString(), "(summary unavailable: " + e + ")");
            }
        }
        return out;
    }

    /**
     * Waits for a command service to be registered.
     *
     * @param name command name
     * @param timeoutMillis how long to wait
     * @return whether it is registered
     */
    public boolean awaitCommand(String name, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (commandReferences(name).isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            sleep(25);
        }
        return true;
    }

    /**
     * Runs a command service. The launcher is outside the framework, so the call goes
     * through reflection on the command interface as the command's bundle sees it; only
     * JDK types cross.
     *
     * @param name command name
     * @param args its arguments
     * @param out standard output for the command
     * @param err standard error for the command
     * @return its exit status
     * @throws Exception what the command threw
     */
    public int run(String name, String[] args, PrintStream out, PrintStream err) throws Exception {
        List<ServiceReference<?>> refs = commandReferences(name);
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("unknown command '" + name + "'");
        }
        Object result = call(refs.get(0), "execute", new Class<?>[] {String[].class, PrintStream.class,
                PrintStream.class}, args, out, err);
        return ((Number) result).intValue();
    }

    /** Usage text of a command. */
    String usage(String name) throws Exception {
        List<ServiceReference<?>> refs = commandReferences(name);
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("unknown command '" + name + "'");
        }
        return String.valueOf(call(refs.get(0), "usage", new Class<?>[0]));
    }

    private List<ServiceReference<?>> commandReferences(String name) {
        try {
            String filter = name == null ? null : "(" + COMMAND_NAME_PROPERTY + "=" + escape(name) + ")";
            ServiceReference<?>[] refs = framework.getBundleContext().getAllServiceReferences(COMMAND_INTERFACE,
                    filter);
            if (refs == null) {
                return List.of();
            }
            List<ServiceReference<?>> list = new ArrayList<>(List.of(refs));
            list.sort(Comparator.<ServiceReference<?>, ServiceReference<?>>comparing(r -> r,
                    (a, b) -> compare(b, a)));
            return list;
        } catch (InvalidSyntaxException e) {
            return List.of();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(ServiceReference a, ServiceReference b) {
        return a.compareTo(b);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

    private Object call(ServiceReference<?> ref, String method, Class<?>[] types, Object... args) throws Exception {
        BundleContext context = framework.getBundleContext();
        Object service = context.getService(ref);
        if (service == null) {
            throw new IllegalStateException("command service went away");
        }
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            Class<?> iface = ref.getBundle().loadClass(COMMAND_INTERFACE);
            Method m = iface.getMethod(method, types);
            Thread.currentThread().setContextClassLoader(service.getClass().getClassLoader());
            return m.invoke(service, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
            context.ungetService(ref);
        }
    }

    /**
     * Runs the console's read-execute-print loop (the console bundle's {@code Runnable} service
     * with {@code mr1.console=loop}) on stdin and stdout until the input ends.
     *
     * @throws IllegalStateException if the console bundle provides no loop
     */
    public void runConsole() {
        BundleContext context = framework.getBundleContext();
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(Runnable.class.getName(),
                        "(mr1.console=loop)");
                if (refs != null && refs.length > 0) {
                    Runnable loop = (Runnable) context.getService(refs[0]);
                    if (loop != null) {
                        runUntilStopped(loop);
                        try {
                            context.ungetService(refs[0]);
                        } catch (IllegalStateException stopped) {
                            // the framework stopped ('stop 0' in the console): nothing to give back
                        }
                        return;
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the console bundle (io.mr1.console) registered no console loop");
            }
            sleep(25);
        }
    }

    /**
     * Runs the console loop until its input ends or the framework stops: {@code stop 0} typed in
     * the console stops the framework while the loop waits for the next line, which may never
     * come, so the loop reads on a daemon thread and this returns when either happens.
     */
    private void runUntilStopped(Runnable loop) {
        Thread console = new Thread(loop, "mr1-console");
        console.setDaemon(true);
        console.start();
        try {
            while (console.isAlive()) {
                if (framework.waitForStop(100).getType() != FrameworkEvent.WAIT_TIMEDOUT) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bundles by symbolic name and state, for diagnostics. */
    Map<String, String> bundleStates() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Bundle b : framework.getBundleContext().getBundles()) {
            out.put(b.getSymbolicName(), switch (b.getState()) {
                case Bundle.ACTIVE -> "active";
                case Bundle.RESOLVED -> "resolved";
                case Bundle.INSTALLED -> "installed";
                case Bundle.STARTING -> "starting";
                case Bundle.STOPPING -> "stopping";
                default -> "uninstalled";
            });
        }
        return out;
    }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(15_000);
        } catch (BundleException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            lease.release(); // deletes the cache, then lets go of its lock
        }
    }

}
