package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** examples/qwen2vl-2b-counting.yaml (for a lab with the weights) parses to the paper's settings. */
class LabExampleTest {

    @Test
    void qwen2vl2bCountingHasThePapersSettings() throws Exception {
        RunConfig c = RunConfig.read(Path.of("../../examples/qwen2vl-2b-counting.yaml"), Path.of("/runs"));
        assertEquals("grpo", c.algorithm());
        assertEquals("visual-counting", c.task());
        assertEquals("cuda:0", c.device());
        assertEquals(Path.of("/models/Qwen2-VL-2B-Instruct"), c.model().checkpoint());
        assertEquals(8, c.grpo().numGenerations());
        assertEquals(1.0, c.grpo().temperature());
        assertEquals(256, c.grpo().maxCompletionLength());
        assertEquals(8, c.grpo().microBatchSize());
        assertEquals("grpo-d", c.klSchedule().name());
        assertEquals("counting", c.klSchedule().preset());
        assertEquals(1e-6, c.optimizer().learningRate());
        assertEquals(16, c.batchSize());
        assertEquals(2L, c.epochs());
    }
}
