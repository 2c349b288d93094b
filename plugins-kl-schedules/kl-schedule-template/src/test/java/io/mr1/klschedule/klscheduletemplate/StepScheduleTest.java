package io.mr1.klschedule.klscheduletemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.ScheduleOverrides;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepScheduleTest {

    @Test
    void stepsFromStartToEndAtTheSwitch() {
        StepSchedule provider = new StepSchedule();
        assertEquals("step", provider.name());
        assertEquals(List.of("beta_start", "beta_end", "switch_at"), List.copyOf(provider.parameters().keySet()));
        KlSchedule schedule = provider.create(ScheduleOverrides.none());
        assertEquals(0.04, schedule.beta(0, 100));
        assertEquals(0.04, schedule.beta(49, 100));
        assertEquals(0.01, schedule.beta(50, 100));
        assertEquals(0.01, schedule.beta(100, 100));
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    /** A run config's numbers arrive typed; ConfigAdmin sets the defaults they override. */
    @Test
    void typedOverridesAndConfigurationApply() {
        KlSchedule schedule = new StepSchedule().create(
                new ScheduleOverrides(null, Map.of("beta_end", 0.0, "switch_at", 0.25)));
        assertEquals(0.04, schedule.beta(24, 100));
        assertEquals(0.0, schedule.beta(25, 100));
        assertEquals(0.1, new StepSchedule(Map.of("beta_start", 0.1)).create(ScheduleOverrides.none()).beta(0, 10));
    }

    /** {@code mr1 schedule step --set switch_at=0.25} hands text, parsed once into the same overrides. */
    @Test
    void commandLineTextGivesTheSameSchedule() {
        KlSchedule fromText = new StepSchedule().create(Map.of("switch_at", "0.25", "preset", "gentle"));
        KlSchedule typed = new StepSchedule().create(new ScheduleOverrides("gentle", Map.of("switch_at", 0.25)));
        for (int s = 0; s <= 20; s++) {
            assertEquals(typed.beta(s, 20), fromText.beta(s, 20), "step " + s);
        }
    }

    @Test
    void aPresetAppliesBeforeTheRunsValues() {
        KlSchedule gentle = new StepSchedule().create(new ScheduleOverrides(StepSchedule.GENTLE, Map.of()));
        assertEquals(0.02, gentle.beta(0, 10));
        assertEquals(0.0, gentle.beta(10, 10));
        KlSchedule overridden = new StepSchedule().create(
                new ScheduleOverrides(StepSchedule.GENTLE, Map.of("beta_end", 0.005)));
        assertEquals(0.005, overridden.beta(10, 10));
    }

    @Test
    void badValuesNameTheParameterOrPreset() {
        assertEquals("parameter 'switch_at' of KL schedule 'step' must be in [0, 1], got 2.0",
                assertThrows(IllegalArgumentException.class,
                        () -> new StepSchedule().create(new ScheduleOverrides(null, Map.of("switch_at", 2.0))))
                        .getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new StepSchedule().create(new ScheduleOverrides(null, Map.of("beta_strat", 1.0))));
        assertTrue(unknown.getMessage().contains("beta_strat") && unknown.getMessage().contains("beta_start"),
                unknown.getMessage());
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> new StepSchedule().create(new ScheduleOverrides("steep", Map.of())));
        assertTrue(preset.getMessage().contains("steep") && preset.getMessage().contains("gentle"),
                preset.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StepSchedule(Map.of("switch_at", 1.5)),
                "a bad .cfg fails activation");
    }
}
