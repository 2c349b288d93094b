package io.mr1.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LossStatisticsTest {

    @Test
    void combiningPartsWeightsPerTokenMeansByTokens() {
        LossStatistics a = new LossStatistics(2, 10, 0.1, 0.2, 0.0);
        LossStatistics b = new LossStatistics(3, 30, 0.5, 0.0, 0.4);
        LossStatistics both = LossStatistics.combine(List.of(a, b));
        assertEquals(5, both.completions());
        assertEquals(40, both.tokens());
        assertEquals((0.1 * 10 + 0.5 * 30) / 40, both.kl(), 1e-15);
        assertEquals(0.2 * 10 / 40, both.clipRatioLow(), 1e-15);
        assertEquals(0.4 * 30 / 40, both.clipRatioHigh(), 1e-15);
        assertTrue(both.hasPolicyTerms());
    }

    @Test
    void supervisedStepsHaveNoPolicyTermsAndBadValuesAreRejected() {
        LossStatistics sft = LossStatistics.combine(List.of(LossStatistics.supervised(2, 7),
                LossStatistics.supervised(1, 3)));
        assertFalse(sft.hasPolicyTerms());
        assertEquals(10, sft.tokens());
        assertThrows(IllegalArgumentException.class, () -> new LossStatistics(1, 1, Double.POSITIVE_INFINITY, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LossStatistics(-1, 1, 0, 0, 0));
        assertThrows(NullPointerException.class, () -> new StepResult(0, 0, null));
    }

    @Test
    void microBatchesOfATrainingBatchKeepItsRows() {
        var prompts = List.of(io.mr1.api.types.Prompt.text("a", "x"), io.mr1.api.types.Prompt.text("b", "y"),
                io.mr1.api.types.Prompt.text("c", "z"));
        var completions = prompts.stream().map(p -> new io.mr1.api.types.Completion(p.id(), 0, "t", new int[] {1},
                new float[] {-1f}, true)).toList();
        TrainingBatch batch = new TrainingBatch(prompts, completions, new double[] {1, 2, 3}, List.of(),
                completions.stream().map(io.mr1.api.types.Completion::logProbs).toList()).withMicroBatchSize(2);
        assertEquals(2, batch.microBatchSize());
        TrainingBatch tail = batch.rows(2, 3);
        assertEquals("c", tail.prompts().get(0).id());
        assertEquals(3.0, tail.advantages()[0]);
        assertEquals(1, tail.referenceLogProbs().size());
        assertTrue(tail.oldLogProbs().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> batch.withMicroBatchSize(-1));
    }
}
