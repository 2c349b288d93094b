package io.mr1.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.task.Sample;
import io.mr1.api.types.StepStats;
import io.mr1.trainer.grpo.GrpoAlgorithm;
import io.mr1.trainer.grpo.GrpoAlgorithmTest;
import io.mr1.trainer.grpo.RewardAggregator;
import io.mr1.trainer.grpo.WeightedReward;
import io.mr1.trainer.metrics.JsonlMetricsSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingLoopTest {

    /** A stateful schedule (like the adaptive controller): beta moves with the observed KL. */
    static final class Controller implements KlSchedule {
        double beta = 0.05;

        @Override
        public double beta(long step, long totalSteps) {
            return beta;
        }

        @Override
        public void observe(long step, long totalSteps, double klMean) {
            beta *= klMean > 1e-4 ? 1.1 : 0.9;
        }

        @Override
        public Map<String, Double> state() {
            return Map.of("beta", beta);
        }

        @Override
        public void restore(Map<String, Double> state) {
            beta = state.get("beta");
        }
    }

    private static TrainingLoop.Spec spec(Path runDir, Path model, int keep) {
        return new TrainingLoop.Spec(GrpoAlgorithmTest.prompts(5), 3, 8, 3, 3, keep, runDir, model, "cpu");
    }

    private static StepAlgorithm algorithm() {
        return new GrpoAlgorithm(new RewardAggregator(), List.of(WeightedReward.of(GrpoAlgorithmTest.SAYS_THREE)),
                new Controller(), GrpoAlgorithmTest.settings(1, 3));
    }

    /** metrics.jsonl without the step's wall time, the one value a resumed run does not reproduce. */
    private static List<String> withoutWallTime(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(",\"" + StepStats.KEYS.STEP_TIME + "\":[0-9.eE+-]+", ""))
                .toList();
    }

    private static Path initialModel(Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TabularPolicy.Backend.write(model, new double[2][5]);
        return model;
    }

    private static List<String> runToEnd(Path runDir, Path model, int stopAfter) throws Exception {
        return runToEnd(runDir, model, stopAfter, 0);
    }

    private static List<String> runToEnd(Path runDir, Path model, int stopAfter, int keep) throws Exception {
        TrainingLoop loop = new TrainingLoop(new CheckpointStore());
        Path metrics = runDir.resolve("metrics.jsonl");
        AtomicInteger steps = new AtomicInteger();
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onStepEnd(io.mr1.api.backend.Policy policy, StepOutcome outcome, long totalSteps) {
                steps.incrementAndGet();
            }

            @Override
            public boolean stopRequested() {
                return stopAfter > 0 && steps.get() >= stopAfter;
            }
        };
        TrainingLoop.Result result = loop.run(new TabularPolicy.Backend(), spec(runDir, model, keep), algorithm(),
                List.of(new JsonlMetricsSink(metrics), counter));
        assertEquals(stopAfter > 0, result.stopped());
        return withoutWallTime(Files.readAllLines(metrics, StandardCharsets.UTF_8));
    }

    @Test
    void resumingFromACheckpointGivesTheSameMetricStreamAsAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        List<String> uninterrupted = runToEnd(tmp.resolve("a"), model, 0);
        assertEquals(8, uninterrupted.size());

        Path b = tmp.resolve("b");
        List<String> firstPart = runToEnd(b, model, 4); // stops after 4 steps, checkpoint step-4
        assertEquals(4, firstPart.size());
        // A torn line from a kill mid-write, and a step past the checkpoint, must not survive the resume.
        Files.writeString(b.resolve("metrics.jsonl"), "{\"step\": 4, \"reward\": 0.1}\n{\"st", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        List<String> resumed = runToEnd(b, model, 0);
        assertEquals(uninterrupted, resumed);
        assertTrue(Files.readString(b.resolve("metrics.jsonl")).contains("\"" + StepStats.KEYS.STEP_TIME + "\""),
                "every step records its wall time");
        assertTrue(Files.isDirectory(b.resolve("checkpoints/step-8")));
        assertTrue(Files.isDirectory(b.resolve("checkpoints/step-6")), "checkpoint every 3 steps");
    }

    /** The tabular backend under another name (a second engine with the same numbers). */
    private static io.mr1.api.backend.PolicyBackend renamed(String name) {
        TabularPolicy.Backend tabular = new TabularPolicy.Backend();
        return new io.mr1.api.backend.PolicyBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public io.mr1.api.backend.BackendInfo info() {
                return tabular.info();
            }

            @Override
            public io.mr1.api.backend.Policy load(Path checkpoint, Path reference, String device)
                    throws java.io.IOException {
                return tabular.load(checkpoint, reference, device);
            }

            @Override
            public String smokeTest() {
                return null;
            }
        };
    }

    /** Backends "a" and "b" (and "c" once installed); the requested name changes after given steps. */
    private static final class Switchboard implements BackendSource {
        final Map<String, io.mr1.api.backend.PolicyBackend> installed = new java.util.concurrent.ConcurrentHashMap<>(
                Map.of("a", renamed("a"), "b", renamed("b")));
        volatile String requested = "a";

        @Override
        public String requested() {
            return requested;
        }

        @Override
        public java.util.Optional<io.mr1.api.backend.PolicyBackend> find(String name) {
            return java.util.Optional.ofNullable(installed.get(name));
        }
    }

    @Test
    void switchingBackendAtACheckpointKeepsTheMetricStreamOfOneRun(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        List<String> uninterrupted = runToEnd(tmp.resolve("straight"), model, 0);
        Path run = tmp.resolve("run");
        Switchboard board = new Switchboard();
        List<String> said = new java.util.ArrayList<>();
        TrainingListener operator = new TrainingListener() {
            @Override
            public void onStepEnd(io.mr1.api.backend.Policy policy, StepOutcome outcome, long totalSteps) {
                long done = outcome.stats().step() + 1;
                if (done == 2) {
                    board.requested = "b";
                } else if (done == 4) {
                    board.requested = "c"; // not installed: the run stays on b
                } else if (done == 6) {
                    board.installed.put("c", renamed("c"));
                }
            }

            @Override
            public void onPause(long step, String message) {
                said.add(message);
            }
        };
        TrainingLoop.Result result = new TrainingLoop(new CheckpointStore()).run(board, spec(run, model, 0),
                algorithm(), List.of(new JsonlMetricsSink(run.resolve("metrics.jsonl")), operator),
                java.util.Optional.empty());
        assertFalse(result.stopped());
        List<String> lines = withoutWallTime(Files.readAllLines(run.resolve("metrics.jsonl")));
        assertEquals(List.of("{\"step\":2,\"event\":\"backend_switch\",\"from\":\"a\",\"to\":\"b\"}",
                "{\"step\":6,\"event\":\"backend_switch\",\"from\":\"b\",\"to\":\"c\"}"),
                lines.stream().filter(l -> l.contains("\"event\"")).toList());
        List<String> steps = lines.stream().filter(l -> !l.contains("\"event\"")).toList();
        assertEquals(8, steps.size());
        for (int i = 0; i < 8; i++) {
            String backend = i < 2 ? "a" : i < 6 ? "b" : "c";
            assertEquals(uninterrupted.get(i).replace(",\"backend\":\"tabular\"", ""),
                    steps.get(i).replace(",\"backend\":\"" + backend + "\"", ""), "step " + i + " as one run");
            assertTrue(steps.get(i).contains("\"backend\":\"" + backend + "\""), steps.get(i));
        }
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-2")), "checkpoint at the switch");
        assertEquals(List.of(), said, "no pause");
        // Resuming at the switch's checkpoint keeps its event line (it happened before step 2).
        JsonlMetricsSink.truncateFrom(run.resolve("metrics.jsonl"), 2);
        List<String> kept = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(3, kept.size(), kept.toString());
        assertTrue(kept.get(2).contains("\"event\":\"backend_switch\""), kept.toString());
    }

    @Test
    void aRemovedBackendPausesTheRunAfterACheckpointUntilOneIsBack(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        List<String> uninterrupted = runToEnd(tmp.resolve("straight"), model, 0);
        Path run = tmp.resolve("run");
        Switchboard board = new Switchboard();
        io.mr1.api.backend.PolicyBackend a = board.installed.get("a");
        List<Long> pauses = new java.util.ArrayList<>();
        TrainingListener operator = new TrainingListener() {
            @Override
            public void onStepEnd(io.mr1.api.backend.Policy policy, StepOutcome outcome, long totalSteps) {
                if (outcome.stats().step() == 2) {
                    board.installed.remove("a");
                }
            }

            @Override
            public void onPause(long step, String message) {
                assertTrue(message.contains("backend 'a' was removed; training paused before step 3 (its checkpoint"
                        + " is written: nothing is lost)"), message);
                assertTrue(Files.isDirectory(run.resolve("checkpoints/step-3")), "checkpoint before the pause");
                pauses.add(step);
                board.installed.put("a", a); // back again
            }
        };
        new TrainingLoop(new CheckpointStore()).run(board, spec(run, model, 0), algorithm(),
                List.of(new JsonlMetricsSink(run.resolve("metrics.jsonl")), operator), java.util.Optional.empty());
        assertEquals(List.of(3L), pauses);
        List<String> steps = withoutWallTime(Files.readAllLines(run.resolve("metrics.jsonl"))).stream()
                .filter(l -> !l.contains("\"event\"")).map(l -> l.replace("\"backend\":\"a\"",
                        "\"backend\":\"tabular\"")).toList();
        assertEquals(uninterrupted, steps, "nothing lost or repeated");
    }

    @Test
    void partialCheckpointFoldersAreIgnored(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        Path run = tmp.resolve("run");
        runToEnd(run, model, 4);
        // A kill during a checkpoint write leaves only a hidden staging folder.
        Files.createDirectories(run.resolve("checkpoints/.step-6.partial/policy"));
        Files.createDirectories(run.resolve("checkpoints/step-7")); // no state file: incomplete
        assertEquals(4, new CheckpointStore().latest(run).orElseThrow().state().step());
    }

    @Test
    void onlyTheLatestCheckpointsAreKeptWhenALimitIsSet(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        Path run = tmp.resolve("run");
        runToEnd(run, model, 0, 2); // checkpoints after steps 3, 6 and 8; keep 2
        try (var dirs = Files.list(run.resolve("checkpoints"))) {
            assertEquals(List.of("step-6", "step-8"), dirs.map(d -> d.getFileName().toString()).sorted().toList());
        }
    }

    /** One way a checkpoint gets damaged after it was written. */
    private interface Corruption {
        void apply(Path checkpoint) throws Exception;
    }

    private static void truncate(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }

    private static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, actual.get(k)), k + " changed"));
    }

    @Test
    void resumeFallsBackToTheNewestCheckpointThatVerifiesAndLosesNothing(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        List<String> uninterrupted = runToEnd(tmp.resolve("a"), model, 0);
        Map<String, Corruption> corruptions = new java.util.LinkedHashMap<>();
        corruptions.put("truncated weights", c -> truncate(c.resolve("policy/logits.json")));
        corruptions.put("truncated optimiser state", c -> truncate(c.resolve("policy/" + TabularPolicy.OPTIMIZER)));
        corruptions.put("empty trainer state", c -> Files.writeString(c.resolve(CheckpointStore.STATE), ""));
        corruptions.put("garbage trainer state", c -> Files.writeString(c.resolve(CheckpointStore.STATE), "{\"step\": [}"));
        for (Map.Entry<String, Corruption> corruption : corruptions.entrySet()) {
            Path run = tmp.resolve(corruption.getKey().replace(' ', '-'));
            runToEnd(run, model, 7); // checkpoints step-3, step-6 and step-7 (the stop)
            corruption.getValue().apply(run.resolve("checkpoints/step-7"));
            List<String> said = new java.util.ArrayList<>();
            var chosen = new TrainingLoop(new CheckpointStore()).resumePoint(spec(run, model, 0), said::add);
            assertEquals(6, chosen.orElseThrow().state().step(), corruption.getKey());
            assertTrue(said.get(0).startsWith("checkpoint step-7 does not verify: "), said.toString());
            assertTrue(said.get(1).contains("using step-6"), said.toString());
            List<String> resumed = runToEnd(run, model, 0);
            assertEquals(uninterrupted, resumed, corruption.getKey() + ": the same metrics as an uninterrupted run");
            assertFalse(Files.exists(run.resolve("checkpoints/step-7")), "the bad checkpoint is not left behind");
            new CheckpointStore().verify(run.resolve("checkpoints/step-8"));
        }
    }

    @Test
    void whenNoCheckpointVerifiesResumeFailsAndChangesNothing(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        Path run = tmp.resolve("run");
        runToEnd(run, model, 4); // step-3 and step-4
        truncate(run.resolve("checkpoints/step-4/policy/logits.json"));
        Files.writeString(run.resolve("checkpoints/step-3/" + CheckpointStore.STATE), "");
        Map<String, byte[]> before = snapshot(run);
        CheckpointStore.NoUsableCheckpointException e = assertThrows(CheckpointStore.NoUsableCheckpointException.class,
                () -> runToEnd(run, model, 0));
        assertTrue(e.getMessage().contains("none of the 2 checkpoint(s)") && e.getMessage().contains("step-4")
                && e.getMessage().contains("(truncated)") && e.getMessage().contains("step-3"), e.getMessage());
        assertSameFiles(before, snapshot(run));
    }

    @Test
    void aCheckpointFromAnotherRunIsRefusedBeforeAnythingChanges(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        Path run = tmp.resolve("run");
        runToEnd(run, model, 4);
        Map<String, byte[]> before = snapshot(run);
        TrainingLoop.Spec other = new TrainingLoop.Spec(GrpoAlgorithmTest.prompts(5), 4, 8, 3, 3, 0, run, model, "cpu");
        CheckpointStore.NoUsableCheckpointException e = assertThrows(CheckpointStore.NoUsableCheckpointException.class,
                () -> new TrainingLoop(new CheckpointStore()).resumePoint(other, m -> { }));
        assertTrue(e.getMessage().contains("seed 3") && e.getMessage().contains("seed 4"), e.getMessage());
        assertSameFiles(before, snapshot(run));
    }

    @Test
    void markedCheckpointsOutliveTheRetentionLimit(@TempDir Path tmp) throws Exception {
        Path model = initialModel(tmp);
        Path run = tmp.resolve("run");
        runToEnd(run, model, 4, 1); // step-3 then step-4; keep 1
        Files.createDirectories(run.resolve("checkpoints/step-4"));
        Files.writeString(run.resolve("checkpoints/step-4/" + CheckpointStore.KEEP), "");
        runToEnd(run, model, 0, 1); // step-6, step-8
        try (var dirs = Files.list(run.resolve("checkpoints"))) {
            assertEquals(List.of("step-4", "step-8"), dirs.map(d -> d.getFileName().toString()).sorted().toList());
        }
        new CheckpointStore().verify(run.resolve("checkpoints/step-4")); // the mark is not part of the manifest
    }

    @Test
    void dataOrderIsAPermutationPerEpochAndAFunctionOfSeedAndStep() {
        List<Sample> data = GrpoAlgorithmTest.prompts(5);
        var seen = new HashSet<String>();
        for (int step = 0; step < 5; step++) {
            TrainingLoop.batch(data, 1, 42, step).forEach(s -> seen.add(s.id()));
        }
        assertEquals(5, seen.size(), "one epoch visits every sample once");
        assertEquals(TrainingLoop.batch(data, 3, 42, 7), TrainingLoop.batch(data, 3, 42, 7));
        assertFalse(TrainingLoop.batch(data, 5, 42, 0).equals(TrainingLoop.batch(data, 5, 43, 0)), "seed changes the order");
    }
}
