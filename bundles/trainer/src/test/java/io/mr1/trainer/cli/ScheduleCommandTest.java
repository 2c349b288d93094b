package io.mr1.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class ScheduleCommandTest {

    @Test
    void previewShowsEachStepOnce() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, ScheduleCommand.previewSteps(3));
        assertArrayEquals(new int[] {0, 1}, ScheduleCommand.previewSteps(1));
        assertArrayEquals(new int[] {0, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}, ScheduleCommand.previewSteps(15));
        assertArrayEquals(new int[] {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
                ScheduleCommand.previewSteps(100));
    }
}
