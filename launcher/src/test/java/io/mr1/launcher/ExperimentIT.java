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
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/mr1 experiment} end to end at a scale a test affords (a created 32-wide model, a
 * few items and steps): every file it promises, table.md agreeing with results.jsonl, and a
 * SIGKILLed experiment resuming without redoing finished runs. The examples' full-size runs are
 * measured by hand (docs/EXPERIMENTS.md); here they are only validated (--check).
 */
class ExperimentIT {

    /** Two arms (SFT and GRPO-D), one seed, one task, two steps each. */
    static final String TWO_ARMS = """
            name: two-arms
            tasks:
              counting:
                task: visual-counting
                task_options: {min_objects: 1, max_objects: 3}
                train_generate: 8
                test_generate: 6
                warm_generate: 16
            base:
              create: {hidden_size: 32, layers: 1, image_size: 56}
              warm_start: [{task: counting, steps: 3, batch_size: 4, optimizer: {learning_rate: 0.001}}]
            budget: {steps: STEPS, prompts_per_step: 2}
            run:
              grpo: {num_generations: 2, max_completion_length: 8}
              checkpoint_every: 1
            seeds: [1]
            evaluation: {max_new_tokens: 10, samples: 2}
            arms:
              - {name: sft, algorithm: sft}
              - {name: grpo-d, kl_schedule: {name: grpo-d, preset: counting}}
            """;

    record Run(int status, String out, String err) {
    }

    static Run mr1(Path dir, String... args) throws IOException, InterruptedException {
        Process p = start(dir, args);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "mr1 " + String.join(" ", args) + " timed out");
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    static Process start(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(DistributionFixture.dist().resolve("bin/mr1").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MR1_LOG_DIR", dir.toString());
        pb.redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    static List<JsonObject> results(Path out) throws IOException {
        return Files.readAllLines(out.resolve("results.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    @Test
    void twoArmsOneSeedWriteResultsTableAndReportThatAgree(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("two.yaml");
        Files.writeString(file, TWO_ARMS.replace("STEPS", "2"));
        Path out = tmp.resolve("exp");
        Run r = mr1(tmp, "experiment", file.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        List<JsonObject> lines = results(out);
        assertEquals(List.of("base", "sft", "grpo-d"), lines.stream().map(o -> o.get("arm").getAsString()).toList());
        String table = Files.readString(out.resolve("table.md"), StandardCharsets.UTF_8);
        for (JsonObject o : lines) {
            for (String key : new String[] {"accuracy", "lenient_accuracy", "format_rate", "sampled_accuracy",
                "steps", "wall_time_s", "checkpoint", "correct", "sampled_correct", "test_task", "seed"}) {
                assertTrue(o.has(key), key + " missing: " + o);
            }
            String arm = o.get("arm").getAsString();
            assertEquals(6, o.get("items").getAsInt());
            assertEquals(o.get("correct").getAsString().chars().filter(c -> c == '1').count() / 6.0,
                    o.get("accuracy").getAsDouble(), 1e-12, "accuracy is the share of correct items");
            assertTrue(Files.isRegularFile(Path.of(o.get("checkpoint").getAsString()).resolve("config.json")));
            // One seed: the cell is that seed's figure, as table.md prints it (in %, two decimals).
            String cell = String.format(Locale.ROOT, "| %s | %.2f [", arm.equals("base") ? "base" : "+ " + arm,
                    100 * o.get("accuracy").getAsDouble());
            int at = table.indexOf("## Same task: greedy accuracy (strict)");
            assertTrue(table.indexOf(cell, at) > at, cell + " not in the greedy table:\n" + table);
            String sampled = String.format(Locale.ROOT, "| %s | %.2f [", arm.equals("base") ? "base" : "+ " + arm,
                    100 * o.get("sampled_accuracy").getAsDouble());
            at = table.indexOf("## Same task: sampled pass@1 (strict)");
            assertTrue(table.indexOf(sampled, at) > at, sampled + " not in the sampled table:\n" + table);
            if (!arm.equals("base")) {
                assertEquals(2, o.get("steps").getAsInt());
                assertEquals(1, o.get("seed").getAsInt());
            }
        }
        assertTrue(table.contains("| sft | base | counting | counting | 6 |"), table);
        assertTrue(table.contains("| grpo-d | sft | counting | counting | 6 |"), table);
        assertTrue(table.contains("| seeds | [1] |"), table);
        String report = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("plots/train-counting-reward.png")
                && report.contains("plots/train-counting-beta.png"), "overlaid curves in the report");
        assertTrue(Files.size(out.resolve("plots/train-counting-reward.png")) > 1000);
        assertTrue(r.err().contains("[2/2] arm grpo-d, seed 1, trained on counting"), r.err());
    }

    @Test
    void aKilledExperimentResumesWithoutRedoingFinishedRuns(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("two.yaml");
        Files.writeString(file, TWO_ARMS.replace("STEPS", "12"));
        Path out = tmp.resolve("exp");
        Path sftResult = out.resolve("results/sft/counting/seed-1/counting.json");
        Path grpoCheckpoints = out.resolve("runs/grpo-d/counting/seed-1/checkpoints");
        Process p = startAndAwait(tmp, file, out, () -> Files.exists(sftResult) && hasCheckpoint(grpoCheckpoints));
        assertTrue(p.isAlive(), "the experiment ended before it could be killed: "
                + Files.readString(tmp.resolve("err.txt")));
        p.destroyForcibly(); // SIGKILL: no shutdown hook, a half-finished GRPO-D run
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertFalse(Files.exists(out.resolve("results.jsonl")), "killed before the end");
        String sftBefore = Files.readString(sftResult);
        FileTime sftTime = Files.getLastModifiedTime(sftResult);
        FileTime sftMetrics = Files.getLastModifiedTime(out.resolve("runs/sft/counting/seed-1/metrics.jsonl"));
        // The half-finished run's backend-swap file, as `mr1 backend tensorflow` leaves it: the resume obeys it.
        Path grpoRun = out.resolve("runs/grpo-d/counting/seed-1");
        Files.writeString(grpoRun.resolve("io.mr1.run.cfg"), "backend=tensorflow\n");

        Run r = mr1(tmp, "experiment", file.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("arm sft, seed 1"), "the finished SFT run is not run again:\n" + r.err());
        assertFalse(r.err().contains("evaluating the base"), "the base's evaluation is reused:\n" + r.err());
        assertTrue(r.err().contains("resuming " + out.resolve("runs/grpo-d/counting/seed-1")), r.err());
        assertEquals(sftBefore, Files.readString(sftResult));
        assertEquals(sftTime, Files.getLastModifiedTime(sftResult));
        assertEquals(sftMetrics, Files.getLastModifiedTime(out.resolve("runs/sft/counting/seed-1/metrics.jsonl")));
        List<JsonObject> lines = results(out);
        assertEquals(3, lines.size());
        assertEquals(12, lines.get(2).get("steps").getAsInt());
        // The resumed run logged each of its 12 steps once, in order.
        List<Long> logged = Files.readAllLines(out.resolve("runs/grpo-d/counting/seed-1/metrics.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject().get("step").getAsLong()).toList();
        assertEquals(java.util.stream.LongStream.range(0, 12).boxed().toList(), logged);
        JsonObject resolved = JsonParser.parseString(Files.readString(grpoRun.resolve("config.json")))
                .getAsJsonObject();
        assertEquals("tensorflow", resolved.get("backend").getAsString(),
                "the resumed arm was prepared on the backend its io.mr1.run.cfg names");

        // Another experiment file pointed at the same folder is refused, the folder untouched.
        Files.writeString(file, TWO_ARMS.replace("STEPS", "13"));
        Run other = mr1(tmp, "experiment", file.toString(), "--out", out.toString());
        assertEquals(2, other.status());
        assertTrue(other.err().contains("holds another experiment"), other.err());
    }

    @Test
    void ctrlCCheckpointsTheCurrentRunAndSaysHowToResume(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("two.yaml");
        Files.writeString(file, TWO_ARMS.replace("STEPS", "200"));
        Path out = tmp.resolve("exp");
        Path grpoCheckpoints = out.resolve("runs/grpo-d/counting/seed-1/checkpoints");
        Process p = startAndAwait(tmp, file, out, () -> hasCheckpoint(grpoCheckpoints));
        assertTrue(p.isAlive(), Files.readString(tmp.resolve("err.txt")));
        p.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook asks the loop to stop after the current step
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String err = Files.readString(tmp.resolve("err.txt"));
        assertEquals(143, p.exitValue(), err); // the JVM's status after SIGTERM (128 + 15); Ctrl-C's SIGINT gives 130
        assertTrue(err.contains("mr1 experiment: stopped; run the same command again to resume"), err);
        assertFalse(Files.exists(out.resolve("results/grpo-d")), "the stopped run was not evaluated");
        long checkpoints;
        try (Stream<Path> s = Files.list(grpoCheckpoints)) {
            checkpoints = s.filter(c -> c.getFileName().toString().startsWith("step-")).count();
        }
        long logged = Files.readAllLines(out.resolve("runs/grpo-d/counting/seed-1/metrics.jsonl")).size();
        assertTrue(logged < 200 && checkpoints >= logged, "a checkpoint for every logged step (checkpoint_every 1): "
                + checkpoints + " checkpoints, " + logged + " steps");
    }

    /** A condition on the experiment's folder. */
    interface Reached {
        boolean now() throws IOException;
    }

    /** Starts the experiment and returns once the condition holds (or the process ended, or 10 minutes passed). */
    static Process startAndAwait(Path tmp, Path file, Path out, Reached reached) throws Exception {
        Process p = start(tmp, "experiment", file.toString(), "--out", out.toString());
        long deadline = System.currentTimeMillis() + 600_000;
        while (!reached.now() && p.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        return p;
    }

    private static boolean hasCheckpoint(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(c -> c.getFileName().toString().startsWith("step-"));
        }
    }

    @Test
    void theExamplesAreValidExperiments(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"paper-tiny.yaml", "paper-qwen2vl-2b.yaml"}) {
            Run r = mr1(tmp, "experiment", ExamplesIT.examples().resolve(name).toString(), "--check", "--out",
                    tmp.resolve("x").toString());
            assertEquals(0, r.status(), name + ": " + r.err());
            assertTrue(r.out().contains(": valid;"), r.out());
            assertFalse(Files.exists(tmp.resolve("x")), "--check writes nothing");
        }
        Run bad = mr1(tmp, "experiment", tmp.resolve("missing.yaml").toString());
        assertEquals(2, bad.status());
        Path wrong = tmp.resolve("wrong.yaml");
        Files.writeString(wrong, TWO_ARMS.replace("STEPS", "2").replace("{name: sft, algorithm: sft}",
                "{name: sft, algorithm: sft, config: {optimizer: {learning_rat: 0.1}}}"));
        Run w = mr1(tmp, "experiment", wrong.toString(), "--out", tmp.resolve("w").toString());
        assertEquals(2, w.status());
        assertTrue(w.err().contains("arm sft, seed 1, trained on counting") && w.err().contains("learning_rat"),
                w.err());
        assertFalse(Files.exists(tmp.resolve("w")), "nothing written for an invalid experiment");
    }
}
