package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real {@code bin/mr1} script of the built distribution as a user would. */
class LauncherProcessIT {

    record Result(int status, String out, String err) {
    }

    static Result mr1(Path logDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(DistributionFixture.dist().resolve("bin/mr1").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MR1_LOG_DIR", logDir.toString());
        Path out = Files.createTempFile(logDir, "out", ".txt");
        Path err = Files.createTempFile(logDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mr1 " + String.join(" ", args) + " timed out");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void pluginsJsonPrintsOnlyValidJsonAndExitsZero(@TempDir Path logs) throws Exception {
        Result r = mr1(logs, "plugins", "--json");
        assertEquals(0, r.status(), r.err());
        // The whole of stdout must parse: no framework noise around the JSON.
        var array = JsonParser.parseString(r.out()).getAsJsonArray();
        assertTrue(DistributionFixture.pluginNames(r.out(), "reward").contains("format"), r.out());
        array.forEach(e -> {
            var o = e.getAsJsonObject();
            assertTrue(o.has("kind") && o.has("name") && o.has("bundle") && o.has("version"), o.toString());
        });
        assertTrue(Files.size(logs.resolve("mr1.log")) > 0, "framework log written to MR1_LOG_DIR");
    }

    @Test
    void unknownCommandOrFlagPrintsUsageToStderrAndFails(@TempDir Path logs) throws Exception {
        Result unknownCommand = mr1(logs, "frobnicate");
        assertEquals(2, unknownCommand.status());
        assertTrue(unknownCommand.err().contains("unknown command 'frobnicate'"), unknownCommand.err());
        assertTrue(unknownCommand.err().contains("Usage: mr1"), unknownCommand.err());
        assertEquals("", unknownCommand.out());

        Result unknownFlag = mr1(logs, "--frobnicate");
        assertEquals(2, unknownFlag.status());
        assertTrue(unknownFlag.err().contains("Usage: mr1"), unknownFlag.err());

        Result badCommandFlag = mr1(logs, "plugins", "--yaml");
        assertEquals(2, badCommandFlag.status());
        assertTrue(badCommandFlag.err().contains("unknown option '--yaml'"), badCommandFlag.err());
        assertTrue(badCommandFlag.err().contains("Usage: mr1 plugins"), badCommandFlag.err());

        Result none = mr1(logs);
        assertEquals(2, none.status());
    }

    @Test
    void helpListsCommandsAndEachCommandHasItsOwnHelp(@TempDir Path logs) throws Exception {
        Result help = mr1(logs, "--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("plugins") && help.out().contains("console"), help.out());
        Result pluginsHelp = mr1(logs, "plugins", "--help");
        assertEquals(0, pluginsHelp.status());
        assertTrue(pluginsHelp.out().startsWith("Usage: mr1 plugins"), pluginsHelp.out());
        Result consoleHelp = mr1(logs, "console", "--help");
        assertEquals(0, consoleHelp.status());
        assertTrue(consoleHelp.out().startsWith("Usage: mr1 console"), consoleHelp.out());
    }

    @Test
    void helpNamesExitStatusesAndTheDocsAndExamplesTheDistributionCarries(@TempDir Path logs) throws Exception {
        Result help = mr1(logs, "--help");
        assertEquals(0, help.status(), help.err());
        for (String status : List.of("0 success", "1 failure", "2 bad usage", "130 interrupted")) {
            assertTrue(help.out().contains(status), "--help lacks '" + status + "': " + help.out());
        }
        assertTrue(help.out().contains("docs/") && help.out().contains("examples/"), help.out());
        Path dist = DistributionFixture.dist();
        for (String doc : List.of("CONFIG.md", "DEMO.md", "ARCHITECTURE.md")) {
            assertTrue(Files.isRegularFile(dist.resolve("docs").resolve(doc)), "distribution lacks docs/" + doc);
        }
        // Every example config of the source tree ships, byte for byte.
        Path examples = Path.of(System.getProperty("mr1.examples", "../examples"));
        try (Stream<Path> files = Files.list(examples)) {
            List<Path> sources = files.toList();
            assertFalse(sources.isEmpty(), "no examples in " + examples);
            for (Path source : sources) {
                Path shipped = dist.resolve("examples").resolve(source.getFileName().toString());
                assertTrue(Files.isRegularFile(shipped), "distribution lacks examples/" + source.getFileName());
                assertEquals(Files.readString(source), Files.readString(shipped), shipped.toString());
            }
        }
    }

    @Test
    void shortCommandsLeaveNoShutdownStackTraceInTheLog(@TempDir Path logs) throws Exception {
        // The natives activator's warm-up used to race framework shutdown into slf4j: about one
        // run in three of 'mr1 plugins' logged "Failed to instantiate SLF4J LoggerFactory".
        for (int i = 0; i < 10; i++) {
            assertEquals(0, mr1(logs, "plugins").status());
        }
        String log = Files.readString(logs.resolve("mr1.log"), StandardCharsets.UTF_8);
        assertFalse(log.contains("LoggerFactory") || log.contains("Exception"), log);
    }

    @Test
    void directMemoryIsCappedByDefaultAndJavaOptsOverrideIt(@TempDir Path logs) throws Exception {
        assertEquals(1L << 30, maxDirectMemory(logs, "-XX:+PrintFlagsFinal"));
        assertEquals(3L << 30, maxDirectMemory(logs, "-XX:MaxDirectMemorySize=3g -XX:+PrintFlagsFinal"));
    }

    /** MaxDirectMemorySize as the JVM that bin/mr1 started reports it (PrintFlagsFinal goes to stdout). */
    private static long maxDirectMemory(Path logs, String javaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "--version");
        pb.environment().put("MR1_LOG_DIR", logs.toString());
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("MaxDirectMemorySize\\s+=\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void consoleRunsMr1CommandsInGogo(@TempDir Path logs) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "console");
        pb.environment().put("MR1_LOG_DIR", logs.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().write("mr1:plugins\nexit 0\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "console did not exit on 'exit 0'");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("format") && out.contains("io.mr1.reward.format"), out);
    }

    private static List<Path> bundleCaches(Path tmp) throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(e -> e.getFileName().toString().startsWith("mr1-felix-")).toList();
        }
    }

    @Test
    void killedProcessesLeaveNoBundleCacheBehindOnceAnotherStarts(@TempDir Path logs, @TempDir Path tmp)
            throws Exception {
        for (int i = 0; i < 10; i++) {
            ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "console");
            pb.environment().put("MR1_LOG_DIR", logs.toString());
            pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
            pb.redirectErrorStream(true).redirectOutput(logs.resolve("console-" + i + ".txt").toFile());
            List<Path> earlier = bundleCaches(tmp);
            Process p = pb.start(); // stdin stays open: the console waits for commands
            // Killed at a different moment each time: once its own cache exists, after 0 to 2.7 s more.
            DistributionFixture.await("bundle cache of process " + i, 60_000, () -> {
                try {
                    return bundleCaches(tmp).stream().anyMatch(c -> !earlier.contains(c)
                            && Files.isDirectory(c.resolve("felix")));
                } catch (IOException e) {
                    return false;
                }
            });
            Thread.sleep(300L * i);
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(bundleCaches(tmp).size() >= 1, "a killed process cannot clean up after itself");
        ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "plugins");
        pb.environment().put("MR1_LOG_DIR", logs.toString());
        pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
        pb.redirectErrorStream(true).redirectOutput(logs.resolve("plugins.txt").toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(logs.resolve("plugins.txt")));
        assertEquals(List.of(), bundleCaches(tmp), "the next process removed the dead ones' caches and its own");
    }
}
