package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mr1 train through the real bin/mr1: SIGKILL and resume, and bad input leaving nothing behind. */
class TrainingIT {

    static final String SMALL_GRPO = """
            algorithm: grpo
            task: visual-counting
            seed: 5
            model: {hidden_size: 64, layers: 2, image_size: 56}
            data: {train_generate: 12, eval_generate: 0}
            rewards: {accuracy: 1.0, format: 1.0}
            kl_schedule: {name: adaptive, beta: 0.05, target: 0.001, horizon: 10}
            grpo: {num_generations: 4, max_completion_length: 8}
            batch_size: 2
            steps: 6
            optimizer: {learning_rate: 0.002}
            checkpoint_every: 2
            samples_every: 1
            """;

    @Test
    void sigkillThenResumeGivesTheSameMetricsAsAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, SMALL_GRPO, StandardCharsets.UTF_8);
        Path straight = tmp.resolve("straight");
        var full = mr1(tmp, "train", "--config", config.toString(), "--out", straight.toString());
        assertEquals(0, full.status(), full.err());

        Path killed = tmp.resolve("killed");
        ProcessBuilder pb = new ProcessBuilder(DistributionFixture.dist().resolve("bin/mr1").toString(), "train",
                "--config", config.toString(), "--out", killed.toString());
        pb.environment().put("MR1_LOG_DIR", tmp.toString());
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile());
        Process p = pb.start();
        Path firstCheckpoint = killed.resolve("checkpoints/step-2/trainer-state.json");
        long deadline = System.currentTimeMillis() + 240_000;
        while (!Files.exists(firstCheckpoint) && p.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(firstCheckpoint), "no checkpoint before the kill: "
                + Files.readString(tmp.resolve("killed.log")));
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(killed.resolve("checkpoints/step-6")), "the kill came too late to test anything");

        var resumed = mr1(tmp, "train", "--resume", killed.toString());
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.err().contains("resuming"), resumed.err());
        List<String> expected = withoutWallTime(Files.readAllLines(straight.resolve("metrics.jsonl")));
        List<String> actual = withoutWallTime(Files.readAllLines(killed.resolve("metrics.jsonl")));
        assertEquals(6, expected.size());
        assertEquals(expected, actual, "the resumed run's metric stream must equal the uninterrupted one");
        assertTrue(Files.isRegularFile(killed.resolve("report.html")));
    }

    /** metrics.jsonl without step_time, the one value (wall time) a rerun does not reproduce. */
    static List<String> withoutWallTime(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(",\"step_time\":[0-9.eE+-]+", "")).toList();
    }

    /** A flat config in TRL GRPOConfig's names, as a lab brings it (plus mr1's task and data). */
    static final String TRL_FLAT = """
            task: visual-counting
            seed: 5
            model: {hidden_size: 64, layers: 2, image_size: 56}
            data: {train_generate: 8, eval_generate: 4, eval_max_new_tokens: 8}
            beta: 0.04
            num_iterations: 2
            loss_type: dr_grpo
            max_steps: 3
            learning_rate: 0.002
            num_generations: 4
            max_completion_length: 8
            save_steps: 2
            batch_size: 2
            """;

    @Test
    void aFlatTrlConfigTrainsAndItsResolvedConfigTrainsAgainToTheSameMetrics(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("trl.yaml");
        Files.writeString(config, TRL_FLAT, StandardCharsets.UTF_8);
        Path first = tmp.resolve("first");
        var r = mr1(tmp, "train", "--config", config.toString(), "--out", first.toString());
        assertEquals(0, r.status(), r.err());
        List<String> metrics = Files.readAllLines(first.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size(), "max_steps: 3");
        assertTrue(metrics.get(0).contains("\"beta\":0.04"), "beta: 0.04 is a constant schedule: " + metrics.get(0));
        assertTrue(Files.isDirectory(first.resolve("checkpoints/step-2")), "save_steps: 2");
        for (String key : List.of("rewards/accuracy/mean", "completions/mean_length", "clip_ratio/low_mean",
                "clip_ratio/high_mean", "frac_reward_zero_std", "learning_rate", "step_time")) {
            assertTrue(metrics.get(0).contains("\"" + key + "\""), key + " missing: " + metrics.get(0));
        }
        String resolved = Files.readString(first.resolve("config.json"));
        assertTrue(resolved.contains("\"mu\": 2") && resolved.contains("\"loss_aggregation\": \"constant_length\""),
                "num_iterations and loss_type in mr1's keys: " + resolved);

        Path second = tmp.resolve("second");
        var again = mr1(tmp, "train", "--config", first.resolve("config.json").toString(), "--out", second.toString());
        assertEquals(0, again.status(), again.err());
        assertEquals(withoutWallTime(metrics), withoutWallTime(Files.readAllLines(second.resolve("metrics.jsonl"))),
                "the resolved config.json is the same run");
    }

    @Test
    void badInputFailsClearlyAndLeavesNoRunFolder(@TempDir Path tmp) throws Exception {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {SMALL_GRPO.replace("batch_size: 2", "batch_sise: 2"), "batch_sise", "batch_size"});
        cases.add(new String[] {SMALL_GRPO.replace("format: 1.0", "formt: 1.0"), "unknown reward 'formt'", "format"});
        cases.add(new String[] {SMALL_GRPO.replace("name: adaptive", "name: warp"), "unknown KL schedule 'warp'",
            "grpo-d"});
        cases.add(new String[] {SMALL_GRPO.replace("target: 0.001", "targte: 0.001"), "'targte'", "target"});
        cases.add(new String[] {SMALL_GRPO.replace("task: visual-counting", "task: sudoku"), "unknown task 'sudoku'",
            "visual-counting"});
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"image\": \"missing.png\", \"problem\": \"How many?\", \"solution\": \"<answer> 3 </answer>\"}\n");
        cases.add(new String[] {SMALL_GRPO.replace("data: {train_generate: 12, eval_generate: 0}",
                "data: {train: " + data + ", eval_generate: 0}"), "bad.jsonl:1", "missing.png"});
        cases.add(new String[] {"""
                algorithm: sft
                task: geometry-reasoning
                model: {hidden_size: 64, layers: 2, image_size: 56}
                data: {train_generate: 4, eval_generate: 0}
                sft: {target_template: "<think> {thinking} </think> <answer> {answer} </answer>"}
                steps: 1
                """, "uses {thinking} but training item", "has no \"thinking\""});
        cases.add(new String[] {TRL_FLAT + "kl_schedule: {name: adaptive}\n", "beta and kl_schedule", "give one"});
        cases.add(new String[] {TRL_FLAT.replace("loss_type: dr_grpo", "loss_type: dapo"), "loss_type: 'dapo'",
            "dr_grpo"});
        int i = 0;
        for (String[] c : cases) {
            Path config = tmp.resolve("bad-" + i + ".yaml");
            Files.writeString(config, c[0], StandardCharsets.UTF_8);
            Path out = tmp.resolve("run-" + i++);
            var r = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
            assertEquals(2, r.status(), c[1] + ": " + r.err());
            assertTrue(r.err().contains(c[1]) && r.err().contains(c[2]), "message for " + c[1] + ": " + r.err());
            assertFalse(Files.exists(out), "nothing may be written for bad input: " + out);
            try (var siblings = Files.list(tmp)) {
                assertTrue(siblings.noneMatch(s -> s.getFileName().toString().startsWith(".run-")),
                        "no staging folder left behind");
            }
        }
    }
}
