package io.mr1.launcher;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * {@code bin/mr1}: boots the framework, runs one command and exits with its status.
 * Stdout carries only the command's results; everything the framework and bundles print
 * goes to {@code logs/mr1.log} (or {@code $MR1_LOG_DIR/mr1.log}).
 */
public final class Main {

    private static final String VERSION = Main.class.getPackage().getImplementationVersion() == null
            ? "0.1.0-SNAPSHOT" : Main.class.getPackage().getImplementationVersion();

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args {@code COMMAND [ARGS...]}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the launcher and returns the exit status instead of exiting (tests call this).
     *
     * @param args the command line
     * @param out where results go
     * @param err where errors and usage go
     * @return exit status: 0 ok, 1 failure, 2 bad usage, 130 interrupted (listed in {@code --help})
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        long started = System.nanoTime();
        Path home = home();
        if (args.length == 0) {
            err.println("mr1: no command given");
            err.print(globalUsage(null));
            return 2;
        }
        String first = args[0];
        if (first.equals("--version")) {
            out.println("mr1 " + VERSION);
            return 0;
        }
        boolean help = first.equals("--help") || first.equals("-h") || first.equals("help");
        if (first.startsWith("-") && !help) {
            err.println("mr1: unknown option '" + first + "'");
            err.print(globalUsage(null));
            return 2;
        }
        boolean console = first.equals("console");
        if (console && Arrays.asList(args).subList(1, args.length).stream().anyMatch(a -> a.equals("--help"))) {
            out.print(CONSOLE_USAGE);
            return 0;
        }
        if (console && args.length > 1) {
            err.println("mr1 console: unexpected argument '" + args[1] + "'");
            err.print(CONSOLE_USAGE);
            return 2;
        }

        PrintStream log = openLog(home, err);
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        if (!console) {
            // Framework and bundle chatter goes to the log; the command gets the real streams.
            System.setOut(log);
            System.setErr(log);
        }
        routeJavaLogging(log);
        Mr1Runtime runtime = null;
        try {
            runtime = Mr1Runtime.start(home, console, pluginsDir(home));
            Logger.getLogger("io.mr1.launcher").info(String.format("framework up in %.0f ms",
                    (System.nanoTime() - started) / 1e6));
            for (String warning : runtime.warnings()) {
                err.println("mr1: warning: " + warning);
            }
            if (console) {
                runtime.runConsole(); // until end of input; 'exit N' ends the process itself
                return 0;
            }
            if (help) {
                if (args.length > 1) {
                    return commandHelp(runtime, args[1], out, err);
                }
                out.print(globalUsage(runtime.commands()));
                return 0;
            }
            if (!runtime.awaitCommand(first, 500)) {
                err.println("mr1: unknown command '" + first + "'");
                err.print(globalUsage(runtime.commands()));
                return 2;
            }
            return runtime.run(first, Arrays.copyOfRange(args, 1, args.length), out, err);
        } catch (Exception e) {
            err.println("mr1: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            e.printStackTrace(log);
            err.println("mr1: details in " + logFile(home));
            return 1;
        } finally {
            if (runtime != null) {
                runtime.close();
            }
            System.setOut(savedOut);
            System.setErr(savedErr);
            log.flush();
        }
    }

    private static int commandHelp(Mr1Runtime runtime, String name, PrintStream out, PrintStream err)
            throws Exception {
        if (name.equals("console")) {
            out.print(CONSOLE_USAGE);
            return 0;
        }
        if (!runtime.awaitCommand(name, 500)) {
            err.println("mr1: unknown command '" + name + "'");
            err.print(globalUsage(runtime.commands()));
            return 2;
        }
        out.print(runtime.usage(name));
        return 0;
    }

    private static final String CONSOLE_USAGE = """
            Usage: mr1 console

            Opens the Gogo shell on the running framework. mr1's commands are available
            in scope mr1 (e.g. mr1:plugins --json); lb lists bundles; exit with 'exit 0',
            'stop 0' or Ctrl-D.
            """;

    static String globalUsage(Map<String, String> commands) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: mr1 COMMAND [ARGS...]\n       mr1 COMMAND --help\n       mr1 --help | --version\n\n");
        sb.append("Commands:\n");
        if (commands == null) {
            sb.append("  (run 'mr1 --help' to list the installed commands)\n");
        } else {
            int width = Math.max(8, commands.keySet().stream().mapToInt(String::length).max().orElse(8));
            sb.append(String.format("  %-" + width + "s  %s%n", "console", "open the Gogo shell with mr1's commands"));
            commands.forEach((name, summary) -> sb.append(String.format("  %-" + width + "s  %s%n", name, summary)));
        }
        sb.append("\nEnvironment: MR1_HOME (distribution folder), MR1_PLUGINS (plugins folder),\n"
                + "MR1_LOG_DIR (log folder), MR1_TORCH_THREADS (libtorch threads, default 1),\n"
                + "MR1_TENSORFLOW_THREADS (TensorFlow intra-op threads, default 1), OMP_NUM_THREADS\n"
                + "and OMP_WAIT_POLICY (libtorch's OpenMP: default MR1_TORCH_THREADS, passive),\n"
                + "JAVA_OPTS (JVM options, after the defaults: -XX:MaxDirectMemorySize=1g).\n");
        sb.append("\nExit status: 0 success, 1 failure, 2 bad usage (unknown command or option,\n"
                + "invalid argument or config value), 130 interrupted (Ctrl-C; mr1 train\n"
                + "checkpoints first, continue with mr1 train --resume RUN_DIR), 143 the same\n"
                + "after SIGTERM.\n");
        sb.append("\nDocumentation in the distribution: docs/ (CONFIG.md every config key, DEMO.md\n"
                + "the demo, ARCHITECTURE.md); example run configs in examples/.\n");
        return sb.toString();
    }

    static Path home() {
        String fromProperty = System.getProperty("mr1.home");
        if (fromProperty != null) {
            return Paths.get(fromProperty).toAbsolutePath().normalize();
        }
        String fromEnv = System.getenv("MR1_HOME");
        return Paths.get(fromEnv != null ? fromEnv : ".").toAbsolutePath().normalize();
    }

    private static Path pluginsDir(Path home) {
        String fromEnv = System.getenv("MR1_PLUGINS");
        return fromEnv != null ? Paths.get(fromEnv).toAbsolutePath() : home.resolve("plugins");
    }

    static Path logFile(Path home) {
        String fromEnv = System.getenv("MR1_LOG_DIR");
        Path dir = fromEnv != null ? Paths.get(fromEnv) : home.resolve("logs");
        return dir.resolve("mr1.log");
    }

    private static PrintStream openLog(Path home, PrintStream err) {
        Path file = logFile(home);
        try {
            Files.createDirectories(file.getParent());
            return new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("mr1: warning: cannot write log file " + file + " (" + e.getMessage()
                    + "); logging is discarded");
            return new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        }
    }

    /** java.util.logging to the log stream only (its default handler would write to stderr). */
    private static void routeJavaLogging(PrintStream log) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler handler = new java.util.logging.StreamHandler(log, new SimpleFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(Level.INFO);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
    }

}
