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
}
