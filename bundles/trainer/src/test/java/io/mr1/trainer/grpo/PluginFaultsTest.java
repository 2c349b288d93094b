package io.mr1.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.reward.RewardFunction;
import io.mr1.api.reward.RewardScore;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.api.types.StepStats;
import io.mr1.trainer.loop.CheckpointStore;
import io.mr1.trainer.loop.TabularPolicy;
import io.mr1.trainer.loop.TrainingLoop;
import io.mr1.trainer.metrics.JsonlMetricsSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of reward fault is isolated: errors, checked exceptions, slow calls and calls that never return. */
class PluginFaultsTest {

    private static final Duration LIMIT = Duration.ofMillis(200);

    static RewardFunction reward(String name, Function<List<String>, List<RewardScore>> f) {
        return new RewardFunction() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<RewardScore> score(Sample sample, List<String> completions) {
                return f.apply(completions);
            }
        };
    }

    private static List<RewardScore> ones(List<String> completions) {
        return completions.stream().map(c -> RewardScore.of(1)).toList();
    }

    /** Throws a checked exception past the compiler, as a plugin compiled against another signature can. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }

    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    static final RewardFunction STACK_OVERFLOW = reward("recursive-parser", c -> {
        recurse(0);
        return ones(c);
    });
    static final RewardFunction MISSING_CLASS = reward("missing-import", c -> {
        throw new NoClassDefFoundError("org/example/Parser");
    });
    static final RewardFunction CHECKED = reward("checked", c -> {
        PluginFaultsTest.<RuntimeException>sneaky(new java.io.IOException("model file gone"));
        return ones(c);
    });

    static RewardFunction sleeping(long millis) {
        return reward("sleepy", c -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ones(c);
        });
    }

    /** Never returns, and ignores interrupts. */
    static final RewardFunction HANGING = reward("hangs", c -> {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                // a badly written plugin swallows it
            }
        }
    });

    private static List<Completion> completions(int n) {
        List<Completion> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Completion.ofText("p0", i, "3"));
        }
        return out;
    }

    private static WeightedReward w(RewardFunction f) {
        return new WeightedReward(f, f.name(), 1.0);
    }

    @Test
    void errorsAndCheckedExceptionsScoreZeroAsFaultsAndOtherRewardsStillCount() {
        RewardAggregator aggregator = new RewardAggregator(LIMIT, m -> { });
        Sample sample = GrpoAlgorithmTest.prompts(1).get(0);
        List<RewardBreakdown> out = aggregator.score(sample, completions(3),
                List.of(w(GrpoAlgorithmTest.SAYS_THREE), w(STACK_OVERFLOW), w(MISSING_CLASS), w(CHECKED)));
        for (RewardBreakdown b : out) {
            assertEquals(java.util.Set.of("recursive-parser", "missing-import", "checked"), b.faults());
            assertEquals(1.0, b.total(), 0.0, "says-three still scores");
        }
    }

    @Test
    void jvmFatalErrorsAreNotSwallowed() {
        RewardAggregator aggregator = new RewardAggregator(LIMIT, m -> { });
        RewardFunction oom = reward("oom", c -> {
            throw new OutOfMemoryError("simulated");
        });
        assertThrows(OutOfMemoryError.class, () -> aggregator.score(GrpoAlgorithmTest.prompts(1).get(0),
                completions(2), List.of(w(oom))));
    }

    @Test
    void aSlowCallScoresZeroAndASometimesSlowRewardStaysEnabled() {
        List<String> notices = new ArrayList<>();
        RewardAggregator aggregator = new RewardAggregator(LIMIT, notices::add);
        AtomicInteger calls = new AtomicInteger();
        RewardFunction everyOther = reward("sometimes-slow", c -> {
            if (calls.getAndIncrement() % 2 == 0) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ones(c);
        });
        Sample sample = GrpoAlgorithmTest.prompts(1).get(0);
        for (int round = 0; round < 6; round++) {
            List<RewardBreakdown> out = aggregator.score(sample, completions(2), List.of(w(everyOther)));
            boolean slow = round % 2 == 0;
            assertEquals(slow ? java.util.Set.of("sometimes-slow") : java.util.Set.of(), out.get(0).faults(),
                    "round " + round);
            assertEquals(slow ? 0.0 : 1.0, out.get(1).total(), 0.0);
        }
        assertTrue(notices.isEmpty() && aggregator.disabled().isEmpty(), "timeouts not in a row do not disable");
    }

    @Test
    void aRewardThatKeepsTimingOutIsDisabledWithAMessage() {
        List<String> notices = new ArrayList<>();
        RewardAggregator aggregator = new RewardAggregator(LIMIT, notices::add);
        Sample sample = GrpoAlgorithmTest.prompts(1).get(0);
        long began = System.nanoTime();
        for (int round = 0; round < 10; round++) {
            List<RewardBreakdown> out = aggregator.score(sample, completions(4),
                    List.of(w(GrpoAlgorithmTest.SAYS_THREE), w(HANGING)));
            out.forEach(b -> assertEquals(java.util.Set.of("hangs"), b.faults()));
            out.forEach(b -> assertEquals(1.0, b.total(), 0.0));
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        assertTrue(seconds < 3 * LIMIT.toMillis() / 1000.0 + 2, "three waits, then no more: " + seconds + " s");
        assertEquals(java.util.Set.of("hangs"), aggregator.disabled());
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("reward 'hangs'") && notices.get(0).contains("3 calls in a row")
                && notices.get(0).contains("disabled"), notices.get(0));
    }

    @Test
    void aTrainingRunWithAnErrorASleeperAndAHangerFinishesWithTheFaultsCounted(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TabularPolicy.Backend.write(model, new double[2][5]);
        Path run = tmp.resolve("run");
        List<String> notices = new ArrayList<>();
        GrpoAlgorithm algorithm = new GrpoAlgorithm(new RewardAggregator(LIMIT, notices::add),
                List.of(w(GrpoAlgorithmTest.SAYS_THREE), w(STACK_OVERFLOW), w(sleeping(1_000)), w(HANGING)),
                new io.mr1.api.kl.KlSchedule() {
                    @Override
                    public double beta(long step, long totalSteps) {
                        return 0.04;
                    }
                }, GrpoAlgorithmTest.settings(1, 3));
        TrainingLoop.Spec spec = new TrainingLoop.Spec(GrpoAlgorithmTest.prompts(4), 3, 4, 2, 0, 0, run, model, "cpu");
        TrainingLoop.Result result = new TrainingLoop(new CheckpointStore()).run(new TabularPolicy.Backend(), spec,
                algorithm, List.of(new JsonlMetricsSink(run.resolve("metrics.jsonl"))));
        assertTrue(result.last().isPresent() && !result.stopped());
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(4, lines.size());
        for (String line : lines) {
            double faults = com.google.gson.JsonParser.parseString(line).getAsJsonObject()
                    .get(StepStats.KEYS.REWARD_FAULTS).getAsDouble();
            // 2 prompts x 8 completions, each with faults from three rewards.
            assertEquals(2 * 8 * 3, faults, 0.0, line);
        }
        assertEquals(2, notices.size(), "the sleeper and the hanger are disabled: " + notices);
    }

    /** One run of 4 steps whose reward sleeps 30 s from step 2 on when {@code slowFrom2}; stop comes 300 ms into step 2. */
    private static TrainingLoop.Result runWithStopDuringStep2(Path run, Path model, boolean slowFrom2)
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger stepsDone = new AtomicInteger();
        RewardFunction slowLater = reward("slow-later", c -> {
            if (slowFrom2 && stepsDone.get() >= 2) {
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return GrpoAlgorithmTest.SAYS_THREE.score(null, c);
        });
        GrpoAlgorithm algorithm = new GrpoAlgorithm(new RewardAggregator(Duration.ofSeconds(60), m -> { }, stop::get),
                List.of(w(slowLater)), new io.mr1.api.kl.KlSchedule() {
                    @Override
                    public double beta(long step, long totalSteps) {
                        return 0.04;
                    }
                }, GrpoAlgorithmTest.settings(1, 3));
        io.mr1.trainer.loop.TrainingListener signal = new io.mr1.trainer.loop.TrainingListener() {
            @Override
            public void onStepEnd(io.mr1.api.backend.Policy policy, io.mr1.trainer.loop.StepOutcome outcome,
                                  long totalSteps) {
                if (stepsDone.incrementAndGet() == 2 && slowFrom2) {
                    new Thread(() -> {
                        try {
                            Thread.sleep(300);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        stop.set(true);
                    }).start();
                }
            }

            @Override
            public boolean stopRequested() {
                return stop.get();
            }
        };
        TrainingLoop.Spec spec = new TrainingLoop.Spec(GrpoAlgorithmTest.prompts(4), 3, 4, 2, 3, 0, run, model, "cpu");
        return new TrainingLoop(new CheckpointStore()).run(new TabularPolicy.Backend(), spec, algorithm,
                List.of(new JsonlMetricsSink(run.resolve("metrics.jsonl")), signal));
    }

    @Test
    void aStopDuringASlowRewardAbandonsTheStepCheckpointsTheStepsDoneAndResumesToTheSameMetrics(@TempDir Path tmp)
            throws Exception {
        Path model = tmp.resolve("model");
        TabularPolicy.Backend.write(model, new double[2][5]);
        Path straight = tmp.resolve("straight");
        assertTrue(!runWithStopDuringStep2(straight, model, false).stopped());

        Path run = tmp.resolve("run");
        long began = System.nanoTime();
        TrainingLoop.Result stopped = runWithStopDuringStep2(run, model, true);
        double seconds = (System.nanoTime() - began) / 1e9;
        assertTrue(stopped.stopped(), "the loop reports the stop");
        assertTrue(seconds < 10, "the 30 s reward call was not waited for: " + seconds + " s");
        assertEquals(2, new CheckpointStore().latest(run).orElseThrow().state().step(),
                "a checkpoint of the two steps done (checkpoint_every 3 would have written none)");
        assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size(), "the abandoned step wrote nothing");

        assertTrue(!runWithStopDuringStep2(run, model, false).stopped(), "resumed to the end");
        java.util.function.Function<Path, List<String>> metrics = dir -> {
            try {
                return Files.readAllLines(dir.resolve("metrics.jsonl")).stream()
                        .map(l -> l.replaceAll(",\"" + StepStats.KEYS.STEP_TIME + "\":[0-9.eE+-]+", "")).toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        assertEquals(metrics.apply(straight), metrics.apply(run), "the resumed run equals the uninterrupted one");
    }
}
