package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /**
     * Greedy answers "3"; sampled completion j of a group answers "3" when j % 4 == 0, else
     * "2" — so a 4-per-item pass@1 is exactly 1/4 whatever the seed, and the sampling
     * settings it was asked for are recorded.
     */
    private static final class ScriptedPolicy implements Policy {
        final List<SamplingParams> calls = new ArrayList<>();

        @Override
        public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params) {
            calls.add(params);
            List<List<Completion>> out = new ArrayList<>();
            for (Prompt p : prompts) {
                List<Completion> group = new ArrayList<>();
                for (int j = 0; j < params.groupSize(); j++) {
                    String answer = params.temperature() == 0 || j % 4 == 0 ? "3" : "2";
                    group.add(new Completion(p.id(), j, "<think> x </think> <answer> " + answer + " </answer>",
                            new int[] {1}, new float[] {0f}, true));
                }
                out.add(group);
            }
            return out;
        }

        @Override
        public List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Completion encodeTarget(String promptId, String text) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StepResult step(TrainingBatch batch, PolicyLoss loss, OptimizerSettings optimizer, long step) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void save(Path dir, boolean withOptimizerState) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long parameterCount() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    /** Correct when the output's answer equals the solution; format when it has the tags. */
    private static final Task TASK = new Task() {
        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public AnswerType answerType() {
            return AnswerType.INTEGER;
        }

        @Override
        public List<Sample> load(Path file, boolean skipBad) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path generate(int count, long seed, Path outDir) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Judgement judge(Sample sample, String output) {
            String answer = output.replaceAll(".*<answer> (\\S+) </answer>.*", "$1");
            boolean correct = answer.equals(sample.solution());
            return new Judgement(correct, correct, output.contains("<answer>"), answer);
        }
    };

    private static List<Sample> items(int n) {
        return IntStream.range(0, n).mapToObj(i -> new Sample(Prompt.text("item-" + i, "how many?"), "how many?",
                "3", AnswerType.INTEGER)).toList();
    }

    @Test
    void perItemCorrectnessIsRecordedInItemOrderForPairedTests() {
        // Every third item's answer is 2: greedy (always "3") misses it, and 3 of its 4 samples hit it.
        List<Sample> samples = IntStream.range(0, 20).mapToObj(i -> new Sample(Prompt.text("item-" + i, "how many?"),
                "how many?", i % 3 == 0 ? "2" : "3", AnswerType.INTEGER)).toList();
        Evaluator.Result r = Evaluator.evaluate(new ScriptedPolicy(), TASK, samples, 8,
                new Evaluator.SampledPass(4, 1.0, 7), done -> { });
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 3 != 0, r.correct()[i], "greedy, item " + i);
            assertEquals(i % 3 == 0 ? 3 : 1, r.sampled().correctPerItem()[i], "sampled, item " + i);
            assertEquals(r.sampled().correctPerItem()[i], r.outputs().get(i).get("sampled_correct"));
            assertEquals("item-" + i, r.outputs().get(i).get("id"));
        }
        assertEquals((7 * 3 + 13) / 80.0, r.sampled().accuracy(), 1e-12);
    }

    @Test
    void greedyOnlyByDefault() {
        ScriptedPolicy policy = new ScriptedPolicy();
        Evaluator.Result r = Evaluator.evaluate(policy, TASK, items(20), 8, done -> { });
        assertEquals(1.0, r.accuracy());
        assertNull(r.sampled());
        assertEquals(2, policy.calls.size(), "20 items in chunks of 16");
        policy.calls.forEach(c -> assertEquals(0.0, c.temperature()));
    }

    @Test
    void sampledPassAtOneAveragesEveryCompletionOfEveryItem() {
        ScriptedPolicy policy = new ScriptedPolicy();
        Evaluator.Result r = Evaluator.evaluate(policy, TASK, items(20), 8, new Evaluator.SampledPass(4, 0.7, 100),
                done -> { });
        assertEquals(1.0, r.accuracy(), "greedy figures are unchanged");
        assertEquals(0.25, r.sampled().accuracy(), 1e-12);
        assertEquals(1.0, r.sampled().formatRate(), 1e-12);
        assertEquals(4, r.sampled().samplesPerItem());
        List<SamplingParams> sampled = policy.calls.subList(2, policy.calls.size());
        assertEquals(2, sampled.size());
        assertEquals(List.of(100L, 116L), sampled.stream().map(SamplingParams::seed).toList(),
                "seed derived from the item offset, so before/after evaluations draw the same streams");
        sampled.forEach(c -> {
            assertEquals(4, c.groupSize());
            assertEquals(0.7, c.temperature());
        });
    }

    @Test
    void sampledPassNeedsAtLeastOneSampleAndAPositiveTemperature() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluator.SampledPass(0, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Evaluator.SampledPass(4, 0.0, 1));
    }

    @Test
    void aStopDuringARunsEvaluationGivesUpOnTheJudgeAtOnceAndWritesNothing(@org.junit.jupiter.api.io.TempDir Path run)
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Task hanging = GuardedJudgeTest.task((sample, output) -> {
            stop.set(true); // Ctrl-C arrives while the judge runs, and the judge never returns
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ignored) {
                    // swallowed, as a careless plugin does
                }
            }
        });
        RunConfig config = RunConfig.parse("test", java.util.Map.of("task", "faulty", "eval_every", 1), run);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        Evaluation evaluation = new Evaluation(config, new RunFolder(run), null, hanging, items(4),
                new io.mr1.trainer.metrics.Progress(new java.io.PrintStream(said, true), false, "grpo", 10, 1),
                stop::get);
        long began = System.nanoTime();
        evaluation.onStepEnd(new ScriptedPolicy(), new io.mr1.trainer.loop.StepOutcome(
                new io.mr1.api.types.StepStats(0, java.util.Map.of()), List.of(), List.of(), java.util.Map.of()), 10);
        double seconds = (System.nanoTime() - began) / 1e9;
        org.junit.jupiter.api.Assertions.assertTrue(seconds < 2, "given up on within 100 ms of the stop, not after"
                + " three 5 s judge time limits: " + seconds + " s");
        org.junit.jupiter.api.Assertions.assertTrue(evaluation.abandoned());
        org.junit.jupiter.api.Assertions.assertTrue(evaluation.rows().isEmpty());
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(run.resolve("eval")),
                "nothing of it is written");
        org.junit.jupiter.api.Assertions.assertTrue(said.toString().contains("evaluation (step 1) abandoned"),
                said.toString());
    }
}
