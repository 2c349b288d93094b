package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend of a running {@code mr1 train} is configuration: editing the run's
 * io.mr1.run.cfg switches PyTorch to TensorFlow and back at checkpoints, and removing the
 * active backend's adapter pauses the run until it is back; either way the metric stream is
 * the uninterrupted run's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackendSwapIT {

    static final String SFT = """
            algorithm: sft
            task: visual-counting
            seed: 3
            model: {hidden_size: 64, layers: 2, image_size: 56}
            data: {train_generate: 64, eval_generate: 0}
            batch_size: 16
            steps: 30
            optimizer: {learning_rate: 0.002}
            checkpoint_every: 0
            """;
    /**
     * Steps of the run. A .cfg edit reaches the run after FileInstall's poll (500 ms, and a second
     * poll to see the file stable), so a step must not be much faster than that or the run ends
     * before the second switch lands (at batch 2 an idle machine ran 22 steps in that time): 16
     * rows per step keep the switches mid-run.
     */
    private static final int STEPS = 30;

    private Path config;
    private List<JsonObject> straight;

    /** The reference: the same run on PyTorch without interruption. */
    @BeforeAll
    void straightRun(@TempDir Path shared) throws Exception {
        config = shared.resolve("sft.yaml");
        Files.writeString(config, SFT, StandardCharsets.UTF_8);
        Path out = shared.resolve("straight");
        var run = mr1(shared, "train", "--config", config.toString(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        straight = stepLines(out);
        assertEquals(STEPS, straight.size());
    }

    @Test
    void switchesBackendTwiceMidRunThroughItsConfiguration(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Process p = start(tmp, null, out);
        try {
            awaitLines(out, "three steps on pytorch", lines -> count(lines, "pytorch") >= 3, p);
            setBackend(out, "tensorflow");
            awaitLines(out, "two steps on tensorflow", lines -> count(lines, "tensorflow") >= 2, p);
            setBackend(out, "pytorch");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run ends");
            assertEquals(0, p.exitValue(), log(tmp));
        } finally {
            p.destroyForcibly();
        }
        List<JsonObject> all = lines(out);
        List<JsonObject> switches = all.stream().filter(o -> o.has("event")).toList();
        assertEquals(2, switches.size(), "two switch events: " + switches);
        long toTf = switches.get(0).get("step").getAsLong();
        long back = switches.get(1).get("step").getAsLong();
        assertEquals("pytorch>tensorflow", fromTo(switches.get(0)));
        assertEquals("tensorflow>pytorch", fromTo(switches.get(1)));
        assertTrue(back < STEPS, "the second switch came before the end: " + switches);
        List<JsonObject> steps = stepLines(out);
        assertContinuous(steps);
        for (JsonObject s : steps) {
            long step = s.get("step").getAsLong();
            String expected = step >= toTf && step < back ? "tensorflow" : "pytorch";
            assertEquals(expected, s.get("backend").getAsString(), "backend of step " + step);
        }
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-" + toTf)), "checkpoint at the first switch");
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-" + back)), "checkpoint at the second switch");
        assertTrue(log(tmp).contains("switched backend pytorch -> tensorflow at step " + toTf), log(tmp));
        assertTrue(Files.readString(out.resolve("report.html")).contains("pytorch, tensorflow from step " + toTf
                + ", pytorch from step " + back), "the report names the backends");
        // The command behind mr1:backend rewrites the same file (here on the finished run).
        var unknown = mr1(tmp, "backend", "jax", "--run", out.toString());
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown backend 'jax'; installed: pytorch, tensorflow"), unknown.err());
        var set = mr1(tmp, "backend", "tensorflow", "--run", out.toString());
        assertEquals(0, set.status(), set.err());
        assertTrue(Files.readString(out.resolve("io.mr1.run.cfg")).contains("backend=tensorflow"));
    }

    @Test
    void removingTheActiveBackendPausesTrainingUntilItIsBack(@TempDir Path tmp) throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path adapter = null;
        try (Stream<Path> jars = Files.list(DistributionFixture.dist().resolve("plugins"))) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
                if (jar.getFileName().toString().startsWith("io.mr1.backend.pytorch")) {
                    adapter = plugins.resolve(jar.getFileName());
                }
            }
        }
        assertTrue(adapter != null, "the pytorch adapter is in plugins/");
        Path away = tmp.resolve(adapter.getFileName());
        Path out = tmp.resolve("run");
        Process p = start(tmp, plugins, out);
        try {
            awaitLines(out, "three steps", lines -> count(lines, "pytorch") >= 3, p);
            Files.move(adapter, away);
            awaitLines(out, "a pause", lines -> lines.stream().anyMatch(o -> o.has("event")), p);
            JsonObject pause = lines(out).stream().filter(o -> o.has("event")).findFirst().orElseThrow();
            assertEquals("paused", pause.get("event").getAsString());
            long at = pause.get("step").getAsLong();
            assertTrue(pause.get("reason").getAsString().contains("backend 'pytorch' was removed"), pause.toString());
            assertTrue(Files.isDirectory(out.resolve("checkpoints/step-" + at)), "checkpoint of the paused step");
            Thread.sleep(1500);
            assertEquals(at, stepLines(out).size(), "no step runs while paused");
            assertTrue(p.isAlive(), "paused, not ended");
            assertTrue(log(tmp).contains("training paused before step " + at), log(tmp));
            Files.move(away, adapter);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run ends");
            assertEquals(0, p.exitValue(), log(tmp));
        } finally {
            p.destroyForcibly();
        }
        assertContinuous(stepLines(out));
    }

    /** Every step once, in order, with the uninterrupted run's loss (float32 backends agree to 1e-4). */
    private void assertContinuous(List<JsonObject> steps) {
        assertEquals(STEPS, steps.size(), "one line per step");
        double largestChange = 0;
        for (int i = 0; i < STEPS; i++) {
            assertEquals(i, steps.get(i).get("step").getAsLong(), "step order");
            double loss = steps.get(i).get("loss").getAsDouble();
            double expected = straight.get(i).get("loss").getAsDouble();
            assertEquals(expected, loss, 1e-3 * Math.abs(expected), "loss of step " + i);
            if (i > 0) {
                largestChange = Math.max(largestChange, Math.abs(expected - straight.get(i - 1).get("loss").getAsDouble()));
            }
        }
        for (int i = 1; i < STEPS; i++) {
            double change = Math.abs(steps.get(i).get("loss").getAsDouble() - steps.get(i - 1).get("loss").getAsDouble());
            assertTrue(change <= largestChange * 1.01 + 1e-3, "loss jumps at step " + i + " by " + change);
        }
    }

    private static String fromTo(JsonObject event) {
        assertEquals("backend_switch", event.get("event").getAsString());
        return event.get("from").getAsString() + ">" + event.get("to").getAsString();
    }

    private Process start(Path tmp, Path plugins, Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "train",
                "--config", config.toString(), "--out", out.toString());
        pb.environment().put("MR1_LOG_DIR", tmp.toString());
        if (plugins != null) {
            pb.environment().put("MR1_PLUGINS", plugins.toString());
        }
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("train.log").toFile());
        return pb.start();
    }

    private static String log(Path tmp) throws IOException {
        return Files.readString(tmp.resolve("train.log"), StandardCharsets.UTF_8);
    }

    /** A user's edit of the run's .cfg, saved the way editors do (write aside, rename). */
    private static void setBackend(Path run, String name) throws IOException {
        Path aside = run.resolve("io.mr1.run.cfg.edit");
        Files.writeString(aside, "backend=" + name + "\n", StandardCharsets.UTF_8);
        Files.move(aside, run.resolve("io.mr1.run.cfg"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitLines(Path run, String what, Predicate<List<JsonObject>> reached, Process p)
            throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline && p.isAlive()) {
            if (reached.test(lines(run))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("waited for " + what + "; metrics: " + lines(run));
    }

    private static long count(List<JsonObject> lines, String backend) {
        return lines.stream().filter(o -> o.has("backend") && o.get("backend").getAsString().equals(backend)).count();
    }

    /** Every complete line of metrics.jsonl (a line being written is left out). */
    private static List<JsonObject> lines(Path run) throws IOException {
        Path file = run.resolve("metrics.jsonl");
        List<JsonObject> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                out.add(JsonParser.parseString(line).getAsJsonObject());
            } catch (RuntimeException torn) {
                // the line in progress
            }
        }
        return out;
    }

    private static List<JsonObject> stepLines(Path run) throws IOException {
        return lines(run).stream().filter(o -> !o.has("event")).toList();
    }
}
