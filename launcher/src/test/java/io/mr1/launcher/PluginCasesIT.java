package io.mr1.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins as a lab meets them, through the real {@code bin/mr1} of a copy of the distribution:
 * broken jars in plugins/, two bundles with one reward name, a reward jar removed and put back
 * during a run, a new version installed during a run, and SIGTERM while a reward sleeps.
 */
class PluginCasesIT {

    /** Before the fix each broken jar cost a 20 s wait (23 s a command); a healthy start is 2-5 s here. */
    private static final double BROKEN_JAR_BOUND_SECONDS = 15;

    record Result(int status, String out, String err, double seconds) {
    }

    private static Result mr1(Path home, Path logs, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/mr1").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MR1_LOG_DIR", logs.toString());
        Path out = Files.createTempFile(logs, "out", ".txt");
        Path err = Files.createTempFile(logs, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long began = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "mr1 " + String.join(" ", args) + " timed out");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err),
                (System.nanoTime() - began) / 1e9);
    }

    /** A copy of the distribution with the plugins a GRPO run of visual-counting needs. */
    private static Path trainingHome(Path tmp) throws IOException {
        Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1"));
        LabRewardBundle.copyTrainingPlugins(home.resolve("plugins"));
        return home;
    }

    /** Starts {@code mr1 train} in the background, stdout and stderr into tmp/train.log. */
    private static Process startTrain(Path home, Path config, Path run, Path tmp) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/mr1").toString(), "train", "--config",
                config.toString(), "--out", run.toString());
        pb.environment().put("MR1_LOG_DIR", tmp.toString());
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("train.log").toFile());
        return pb.start();
    }

    /** Puts a file into plugins/ in one rename, so FileInstall never sees half of it. */
    private static void drop(Path jar, Path plugins, String name) throws IOException {
        Path staged = plugins.getParent().resolve(name + ".staged");
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, plugins.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void corruptPlainAndTruncatedJarsAreReportedAtOnceByNameAndReason(@TempDir Path tmp) throws Exception {
        byte[] format = Files.readAllBytes(DistributionFixture.formatPluginJar());
        byte[] corrupt = new byte[4096];
        new java.util.Random(7).nextBytes(corrupt);
        Path plainJar = tmp.resolve("plain.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().putValue("Manifest-Version", "1.0");
        mf.getMainAttributes().putValue("Main-Class", "com.example.Tool");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(plainJar), mf)) {
            out.flush();
        }
        Map<String, byte[]> kinds = Map.of(
                "corrupt.jar", corrupt,
                "plain.jar", Files.readAllBytes(plainJar),
                "truncated.jar", java.util.Arrays.copyOf(format, format.length / 2));
        Map<String, String> reasons = Map.of("corrupt.jar", "corrupt or truncated zip", "plain.jar",
                "a plain jar, not an OSGi bundle", "truncated.jar", "corrupt or truncated zip");
        for (var kind : kinds.entrySet()) {
            Path home = DistributionFixture.copyWithoutPlugins(tmp.resolve("mr1-" + kind.getKey()));
            Files.write(home.resolve("plugins").resolve(kind.getKey()), kind.getValue());
            Files.write(home.resolve("plugins/io.mr1.reward.format.jar"), format);
            Result r = mr1(home, tmp, "plugins", "--json");
            System.out.printf("%s: mr1 plugins took %.1f s%n", kind.getKey(), r.seconds());
            assertEquals(0, r.status(), r.err());
            assertTrue(r.err().contains("plugin " + kind.getKey() + " is ignored: ")
                    && r.err().contains(reasons.get(kind.getKey())),
                    kind.getKey() + ": " + r.err());
            assertTrue(DistributionFixture.pluginNames(r.out(), "reward").contains("format"),
                    "a healthy plugin beside it still loads: " + r.out());
            assertTrue(r.seconds() < BROKEN_JAR_BOUND_SECONDS, kind.getKey() + ": no wait for a jar that cannot load ("
                    + r.seconds() + " s)");
        }
    }

    @Test
    void twoBundlesWithOneRewardNameAreAnErrorNamingBoth(@TempDir Path tmp) throws Exception {
        Path home = trainingHome(tmp);
        Path plugins = home.resolve("plugins");
        Path lab = LabRewardBundle.build(tmp, "lab.rewards.strict", "1.0.0", "format", 0, 0);
        Files.copy(lab, plugins.resolve(lab.getFileName()));

        Result listed = mr1(home, tmp, "plugins");
        assertEquals(0, listed.status(), listed.err());
        assertTrue(listed.err().contains("reward 'format' is provided by 2 bundles")
                && listed.err().contains("lab.rewards.strict@1.0.0")
                && listed.err().contains("io.mr1.reward.format@0.1.0"), listed.err());

        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, TrainingIT.SMALL_GRPO, StandardCharsets.UTF_8);
        Path out = tmp.resolve("run");
        Result train = mr1(home, tmp, "train", "--config", config.toString(), "--out", out.toString());
        assertEquals(2, train.status(), train.err());
        assertTrue(train.err().contains("rewards.format: reward 'format' is provided by 2 bundles")
                && train.err().contains("lab.rewards.strict@1.0.0")
                && train.err().contains("io.mr1.reward.format@0.1.0"), train.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** A GRPO run of many quick steps, paced by the lab reward so that plugin changes land mid-run. */
    private static final String LIVE_RUN = """
            algorithm: grpo
            task: visual-counting
            seed: 5
            model: {hidden_size: 64, layers: 2, image_size: 56}
            data: {train_generate: 8, eval_generate: 0}
            rewards: {accuracy: 1.0, format: 1.0, pace: 0.5}
            kl_schedule: {name: adaptive, beta: 0.05, target: 0.001, horizon: 10}
            grpo: {num_generations: 2, max_completion_length: 4}
            batch_size: 1
            steps: 400
            checkpoint_every: 0
            log_every: 1000
            """;

    @Test
    void aRewardRemovedMidRunLeavesRAndReturnsAndANewVersionTakesOverAtTheNextStep(@TempDir Path tmp)
            throws Exception {
        Path home = trainingHome(tmp);
        Path plugins = home.resolve("plugins");
        Path paceV1 = LabRewardBundle.build(tmp, "lab.reward.pace", "1.0.0", "pace", 1, 40);
        Path paceV2 = LabRewardBundle.build(tmp.resolve("v2"), "lab.reward.pace", "2.0.0", "pace", 1, 40);
        drop(paceV1, plugins, "lab.reward.pace.jar");
        Path formatJar = plugins.resolve(DistributionFixture.formatPluginJar().getFileName());
        Path config = tmp.resolve("live.yaml");
        Files.writeString(config, LIVE_RUN, StandardCharsets.UTF_8);
        Path run = tmp.resolve("run");
        Process p = startTrain(home, config, run, tmp);
        try {
            long removedAt = awaitStep(run, p, 180_000, "two steps with every reward",
                    o -> bundles(o).containsKey("format") && o.get("step").getAsLong() >= 1);
            Files.delete(formatJar);
            long gone = awaitStep(run, p, 60_000, "a step without format", o -> !bundles(o).containsKey("format"));
            drop(DistributionFixture.formatPluginJar(), plugins, formatJar.getFileName().toString());
            long back = awaitStep(run, p, 60_000, "format back", o -> o.get("step").getAsLong() > gone
                    && bundles(o).containsKey("format"));
            drop(paceV2, plugins, "lab.reward.pace.jar"); // the same file, a new version: FileInstall updates it
            long v2 = awaitStep(run, p, 60_000, "pace 2.0.0", o -> "lab.reward.pace@2.0.0".equals(bundles(o).get("pace")));
            System.out.printf("live rewards: format removed after step %d, left out from step %d, back at %d;"
                    + " pace 2.0.0 from step %d%n", removedAt, gone, back, v2);

            List<JsonObject> lines = lines(run);
            for (JsonObject o : lines) {
                long step = o.get("step").getAsLong();
                boolean hasFormat = bundles(o).containsKey("format");
                assertEquals(hasFormat, o.has("rewards/format/mean"), "step " + step
                        + ": format's metrics exactly when it scored");
                assertTrue(bundles(o).get("accuracy").startsWith("io.mr1.reward.accuracy@"), o.toString());
                if (step < gone) {
                    assertTrue(hasFormat, "before the removal: " + o);
                }
                String pace = bundles(o).get("pace");
                if (step >= v2) {
                    assertEquals("lab.reward.pace@2.0.0", pace, "step " + step);
                } else if (pace != null) { // absent while FileInstall swaps the bundle
                    assertEquals("lab.reward.pace@1.0.0", pace, "step " + step);
                }
            }
            assertTrue(lines.stream().anyMatch(o -> o.get("step").getAsLong() >= back && bundles(o).containsKey("format")));
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String log = Files.readString(tmp.resolve("train.log"));
        assertTrue(log.contains("reward 'format' is no longer installed (io.mr1.reward.format@")
                && log.contains("left out of R from step"), log);
        assertTrue(log.contains("reward 'format' is installed again (io.mr1.reward.format@")
                && log.contains("back in R from step"), log);
        // Said as "is now ..." or, when FileInstall's update left a step without it, "is installed again (now ...)".
        assertTrue(log.contains("reward 'pace' is ") && log.contains("now lab.reward.pace@2.0.0 (was lab.reward.pace@1.0.0)"),
                log);
    }

    @Test
    void sigtermWhileARewardSleepsExitsPromptlyWithACheckpointAndResumeFinishes(@TempDir Path tmp) throws Exception {
        Path home = trainingHome(tmp);
        Path plugins = home.resolve("plugins");
        // Two calls a step (batch_size 2): steps 0 and 1 are quick, step 2's first call sleeps 10 minutes.
        Path sleepy = LabRewardBundle.build(tmp, "lab.reward.sleepy", "1.0.0", "sleepy", 5, 600_000);
        drop(sleepy, plugins, "lab.reward.sleepy.jar");
        Path config = tmp.resolve("sleepy.yaml");
        Files.writeString(config, TrainingIT.SMALL_GRPO.replace("format: 1.0}", "format: 1.0, sleepy: 0.5}")
                .replace("grpo: {num_generations: 4, max_completion_length: 8}",
                        "grpo: {num_generations: 4, max_completion_length: 8, reward_timeout: 900}")
                .replace("steps: 6", "steps: 4").replace("checkpoint_every: 2", "checkpoint_every: 0"),
                StandardCharsets.UTF_8);
        Path run = tmp.resolve("run");
        Process p = startTrain(home, config, run, tmp);
        awaitStep(run, p, 180_000, "step 1 done", o -> o.get("step").getAsLong() == 1);
        Thread.sleep(1_500); // well inside step 2's sleeping reward call
        long signalled = System.nanoTime();
        p.destroy(); // SIGTERM
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - signalled) / 1e9;
        String log = Files.readString(tmp.resolve("train.log"));
        System.out.printf("SIGTERM during a sleeping reward: exited after %.1f s%n", seconds);
        assertTrue(exited, "still alive a minute after SIGTERM: " + log);
        assertTrue(seconds < 30, "exit took " + seconds + " s: " + log);
        assertEquals(143, p.exitValue(), log); // 128 + SIGTERM; the checkpoint came first
        assertTrue(log.contains("continue with: mr1 train --resume"), log);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-2/trainer-state.json")),
                "a checkpoint of the two steps done: " + log);
        assertEquals(2, lines(run).size(), "the abandoned step wrote no metrics line");

        Result resumed = mr1(home, tmp, "train", "--resume", run.toString()); // a fresh process: quick calls again
        assertEquals(0, resumed.status(), resumed.err());
        assertEquals(List.of(0L, 1L, 2L, 3L), lines(run).stream().map(o -> o.get("step").getAsLong()).toList());
    }

    private static Map<String, String> bundles(JsonObject line) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (line.has("reward_bundles")) {
            line.getAsJsonObject("reward_bundles").entrySet().forEach(e -> out.put(e.getKey(),
                    e.getValue().getAsString()));
        }
        return out;
    }

    private static List<JsonObject> lines(Path run) throws IOException {
        Path metrics = run.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) {
            return List.of();
        }
        List<JsonObject> out = new ArrayList<>();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            try {
                out.add(JsonParser.parseString(line).getAsJsonObject());
            } catch (RuntimeException torn) {
                // the line being written
            }
        }
        return out;
    }

    /** Waits for a metrics line that matches; returns its step. */
    private static long awaitStep(Path run, Process p, long timeoutMillis, String what, Predicate<JsonObject> match)
            throws Exception {
        long[] found = {-1};
        DistributionFixture.await(what, timeoutMillis, () -> {
            try {
                for (JsonObject o : lines(run)) {
                    if (match.test(o)) {
                        found[0] = o.get("step").getAsLong();
                        return true;
                    }
                }
                if (!p.isAlive()) {
                    throw new AssertionError("the run ended before: " + what);
                }
                return false;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return found[0];
    }
}
