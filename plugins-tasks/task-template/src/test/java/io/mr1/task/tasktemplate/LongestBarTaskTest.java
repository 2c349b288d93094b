package io.mr1.task.tasktemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.tasks.support.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LongestBarTaskTest {

    private final LongestBarTask task = new LongestBarTask(Task.R1V_TEMPLATE, 10);

    @Test
    void generatesLoadableItemsJudgedByTheSharedJudge(@TempDir Path tmp) throws Exception {
        Path file = task.generate(20, 3, tmp.resolve("data"));
        List<Sample> samples = task.load(file, false);
        assertEquals(20, samples.size());
        for (Sample s : samples) {
            int answer = Integer.parseInt(s.solution());
            assertTrue(answer >= 0 && answer < 10, s.solution());
            assertTrue(task.judge(s, "<think>x</think><answer>" + answer + "</answer>").strictCorrect());
        }
        SharedData.assertSameSeedSameBytes(task, 5, tmp.resolve("again"));
    }

    @Test
    void optionsApplyPerRunAndBadOnesNameTheKey() {
        assertSame(task, task.withOptions(Map.of()));
        assertEquals(4, task.withOptions(Map.of("max_length", 4)).maxLength());
        assertEquals(10, task.maxLength(), "the shared instance is unchanged");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> task.withOptions(Map.of("max_lenght", 4)));
        assertTrue(unknown.getMessage().contains("task_options.max_lenght") && unknown.getMessage().contains("max_length"),
                unknown.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> task.withOptions(Map.of("max_length", 40)));
        assertTrue(range.getMessage().contains("task_options.max_length must be 2 to 20"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> task.withOptions(Map.of("max_length", "4")));
    }
}
