package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mr1 console} keeps nothing per command: the live heap after a full GC (jcmd's class
 * histogram total) is measured after a warm-up and again after many more commands. And
 * {@code stop 0} typed in it ends the process, as it did in the Gogo shell's own console.
 *
 * <p>The bounds: before the fix the Gogo shell's console kept every line's job, pipe and
 * stream buffers, about 48 KB per command (measured: heap after GC 15.5 MB after 100
 * commands, 110.6 MB after 2,000), so 1,000 commands grew the heap by ~47 MB and 100 plugin
 * cycles of four commands by ~17 MB. With mr1's own console loop 2,000 commands grow it by
 * nothing measurable (9.8 MB both times) and a plugin cycle by ~11 KB (Felix's records of
 * uninstalled bundles). 4 MB for 1,000 commands and 6 MB for 100 cycles leave room for JIT
 * and class-loading noise and still catch a leak of a tenth of the old one.
 */
class ConsoleMemoryIT {

    private static final long COMMANDS_BOUND = 4L << 20;
    private static final long PLUGIN_CYCLES_BOUND = 6L << 20;

    @Test
    void thousandConsoleCommandsKeepNoMemory(@TempDir Path tmp) throws Exception {
        try (Console console = Console.start(tmp)) {
            console.send("echo hi\n".repeat(200));
            console.awaitMarker("warm");
            long before = console.liveHeapBytes();
            console.send("echo hi\n".repeat(1_000));
            console.awaitMarker("done");
            long after = console.liveHeapBytes();
            System.out.printf("console: live heap %.1f MB -> %.1f MB over 1,000 commands%n", before / 1e6,
                    after / 1e6);
            assertEquals(1_200, console.output().lines().filter(l -> l.endsWith("hi")).count(),
                    "every command ran");
            assertTrue(after - before < COMMANDS_BOUND, "1,000 console commands grew the live heap by "
                    + (after - before) / 1024 + " KB (bound " + COMMANDS_BOUND / 1024 + " KB)");
        }
    }

    @Test
    void hundredPluginInstallRemoveCyclesKeepLittleMemory(@TempDir Path tmp) throws Exception {
        String jar = DistributionFixture.formatPluginJar().toUri().toString();
        String cycle = "start " + jar + "\nmr1:plugins\nuninstall io.mr1.reward.format\nrefresh\n";
        try (Console console = Console.start(tmp)) {
            console.send(cycle.repeat(20));
            console.awaitMarker("warm");
            long before = console.liveHeapBytes();
            console.send(cycle.repeat(100));
            console.awaitMarker("done");
            long after = console.liveHeapBytes();
            System.out.printf("console: live heap %.1f MB -> %.1f MB over 100 plugin cycles%n", before / 1e6,
                    after / 1e6);
            long listed = console.output().lines().filter(l -> l.startsWith("reward") && l.contains("format"))
                    .count();
            assertEquals(120, listed, "the reward was listed once per cycle:\n" + console.output());
            assertTrue(after - before < PLUGIN_CYCLES_BOUND, "100 plugin install/remove cycles grew the live heap by "
                    + (after - before) / 1024 + " KB (bound " + PLUGIN_CYCLES_BOUND / 1024 + " KB)");
        }
    }

    @Test
    void stopZeroEndsTheConsoleAndTheProcess(@TempDir Path tmp) throws Exception {
        try (Console console = Console.start(tmp)) {
            console.awaitMarker("up");
            console.send("stop 0\n"); // stdin stays open: the console must not wait for another line
            assertTrue(console.process.waitFor(60, TimeUnit.SECONDS), "the process is still alive after 'stop 0':\n"
                    + console.output());
            assertEquals(0, console.process.exitValue(), console.output());
        }
    }

    /** A running {@code bin/mr1 console} with an empty plugins folder, fed through its stdin. */
    private static final class Console implements AutoCloseable {

        private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

        private final Process process;
        private final OutputStream stdin;
        private final ByteArrayOutputStream output = new ByteArrayOutputStream();
        private final Thread reader;

        private Console(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.reader = new Thread(() -> copy(process.getInputStream()), "console output");
            reader.setDaemon(true);
            reader.start();
        }

        static Console start(Path tmp) throws IOException {
            assumeTrue(Files.isExecutable(jcmd()), "the JDK's jcmd is needed to measure the heap: " + jcmd());
            Path plugins = Files.createDirectories(tmp.resolve("plugins"));
            ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(),
                    "console");
            pb.environment().put("MR1_LOG_DIR", tmp.toString());
            pb.environment().put("MR1_PLUGINS", plugins.toString());
            pb.redirectErrorStream(true);
            return new Console(pb.start());
        }

        private void copy(InputStream in) {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    synchronized (output) {
                        output.write(buffer, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }

        String output() {
            synchronized (output) {
                return output.toString(StandardCharsets.UTF_8);
            }
        }

        void send(String commands) throws IOException {
            stdin.write(commands.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        void awaitMarker(String name) throws IOException, InterruptedException {
            String marker = "marker-" + name + "-reached";
            send("echo " + marker + "\n");
            DistributionFixture.await("console output " + marker, 120_000, () -> output().contains(marker));
        }

        /** Bytes of live objects after a full GC (GC.class_histogram collects first). */
        long liveHeapBytes() throws IOException, InterruptedException {
            Process p = new ProcessBuilder(jcmd().toString(), Long.toString(process.pid()), "GC.class_histogram")
                    .redirectErrorStream(true).start();
            String histogram = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jcmd timed out");
            Matcher m = TOTAL.matcher(histogram);
            assertTrue(m.find(), "no total in jcmd's histogram:\n" + histogram);
            return Long.parseLong(m.group(1));
        }

        private static Path jcmd() {
            return Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                send("exit 0\n");
                stdin.close();
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(5_000);
        }
    }
}
