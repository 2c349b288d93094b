package io.mr1.trainer.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentRunnerTest {

    @Test
    void theBaseIsEvaluatedInTheDtypeItsArmsTrainIn() {
        // As RunConfig's model.dtype: float32 on the CPU, bfloat16 on a GPU (it was float32 everywhere).
        assertEquals("float32", ExperimentRunner.evaluationDtype(Map.of()));
        assertEquals("bfloat16", ExperimentRunner.evaluationDtype(Map.of("device", "cuda:1")));
        assertEquals("bfloat16", ExperimentRunner.evaluationDtype(Map.of("device", "cuda")));
        assertEquals("bfloat16", ExperimentRunner.evaluationDtype(Map.of("model", Map.of("dtype", "bfloat16"))));
        assertEquals("float32", ExperimentRunner.evaluationDtype(
                Map.of("device", "cuda:0", "model", Map.of("dtype", "float32"))));
    }
}
