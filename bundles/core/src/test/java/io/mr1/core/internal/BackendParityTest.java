package io.mr1.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.BackendInfo;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parity check's arithmetic and verdicts, on scripted backends whose log-probs differ by a known amount. */
class BackendParityTest {

    /** Samples two tokens per completion; scores token t of every row as base - t + offset. */
    private record Scripted(String name, float offset) implements PolicyBackend {
        @Override
        public BackendInfo info() {
            return new BackendInfo(name, "1", "cpu", List.of("cpu"), null);
        }

        @Override
        public String smokeTest() {
            return null;
        }

        @Override
        public Policy load(Path checkpoint, Path reference, String device) {
            return new Policy() {
                @Override
                public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params) {
                    List<List<Completion>> out = new ArrayList<>();
                    for (Prompt p : prompts) {
                        List<Completion> group = new ArrayList<>();
                        for (int g = 0; g < params.groupSize(); g++) {
                            group.add(new Completion(p.id(), g, "a b", new int[] {1, 2}, new float[2], true));
                        }
                        out.add(group);
                    }
                    return out;
                }

                @Override
                public List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions) {
                    List<float[]> out = new ArrayList<>();
                    for (Completion c : completions) {
                        out.add(new float[] {-3f + offset, -0.001f + offset});
                    }
                    return out;
                }

                @Override
                public List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions) {
                    return logProbs(prompts, completions);
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
            };
        }
    }

    private record Run(int status, String out, String err) {}

    private static Run run(Map<String, PolicyBackend> backends, Path checkpoint, double tolerance, boolean json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BackendParity.run(backends, checkpoint, "cpu", tolerance, json,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Path checkpoint(Path tmp) throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{}");
        return tmp;
    }

    @Test
    void agreeingBackendsPassAndEveryPairIsReported(@TempDir Path tmp) throws Exception {
        Map<String, PolicyBackend> backends = new LinkedHashMap<>();
        backends.put("a", new Scripted("a", 0f));
        backends.put("b", new Scripted("b", 2e-5f));
        backends.put("c", new Scripted("c", -1e-5f));
        Run r = run(backends, checkpoint(tmp), 1e-4, false);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("4 completions, 8 tokens (sampled on a"), r.out());
        assertTrue(r.out().contains("a vs b: largest log-prob difference 2.00e-05"), r.out());
        assertTrue(r.out().contains("a vs c:") && r.out().contains("b vs c: largest log-prob difference 3.00e-05"),
                r.out());
    }

    @Test
    void aDifferenceBeyondTheToleranceFails(@TempDir Path tmp) throws Exception {
        Map<String, PolicyBackend> backends = new LinkedHashMap<>();
        backends.put("a", new Scripted("a", 0f));
        backends.put("b", new Scripted("b", 5e-3f));
        Run r = run(backends, checkpoint(tmp), 1e-4, true);
        assertEquals(1, r.status());
        assertTrue(r.out().contains("\"passed\": false"), r.out());
        assertTrue(r.err().contains("beyond the tolerance"), r.err());
        assertEquals(0, run(backends, checkpoint(tmp), 1e-2, false).status(), "a looser tolerance passes");
    }

    @Test
    void theScaledDifferenceIsRelativeForUnlikelyTokensAndAbsoluteForLikelyOnes() {
        BackendParity.Pair p = BackendParity.compare("a", List.of(new float[] {-100f, -0.001f}), "b",
                List.of(new float[] {-100.005f, -0.001f}), 1e-4);
        assertEquals(0.005, p.maxAbs(), 1e-5);
        assertEquals(5e-5, p.maxScaled(), 1e-6);
        assertTrue(p.passed());
        BackendParity.Pair q = BackendParity.compare("a", List.of(new float[] {-0.001f}), "b",
                List.of(new float[] {-0.0012f}), 1e-4);
        assertFalse(q.passed(), "near 0 the difference counts in full: " + q);
    }

    @Test
    void fewerThanTwoBackendsOrNoCheckpointIsAnError(@TempDir Path tmp) throws Exception {
        Run one = run(Map.of("a", new Scripted("a", 0f)), checkpoint(tmp), 1e-4, false);
        assertEquals(1, one.status());
        assertTrue(one.err().contains("needs at least two installed backends"), one.err());
        Map<String, PolicyBackend> two = new LinkedHashMap<>();
        two.put("a", new Scripted("a", 0f));
        two.put("b", new Scripted("b", 0f));
        Run missing = run(two, tmp.resolve("nowhere"), 1e-4, false);
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("not a checkpoint folder") && missing.err().contains("nowhere"), missing.err());
    }
}
