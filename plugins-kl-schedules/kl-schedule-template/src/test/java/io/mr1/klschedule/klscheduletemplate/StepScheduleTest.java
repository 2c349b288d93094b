package io.mr1.klschedule.klscheduletemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepScheduleTest {

    @Test
    void stepsFromStartToEndAtTheSwitch() {
        StepSchedule provider = new StepSchedule();
        assertEquals("step", provider.name());
        assertEquals(List.of("beta_start", "beta_end", "switch_at"), List.copyOf(provider.parameters().keySet()));
        KlSchedule schedule = provider.create(Map.of());
        assertEquals(0.04, schedule.beta(0, 100));
        assertEquals(0.04, schedule.beta(49, 100));
        assertEquals(0.01, schedule.beta(50, 100));
        assertEquals(0.01, schedule.beta(100, 100));
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    @Test
    void overridesAndConfigurationApply() {
        KlSchedule schedule = new StepSchedule().create(Map.of("beta_end", "0", "switch_at", "0.25"));
        assertEquals(0.04, schedule.beta(24, 100));
        assertEquals(0.0, schedule.beta(25, 100));
        assertEquals(0.1, new StepSchedule(Map.of("beta_start", 0.1)).create(Map.of()).beta(0, 10));
    }

    @Test
    void badValuesNameTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StepSchedule().create(Map.of("switch_at", "2")));
        assertTrue(e.getMessage().contains("switch_at"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StepSchedule().create(Map.of("beta_strat", "1")));
    }
}
