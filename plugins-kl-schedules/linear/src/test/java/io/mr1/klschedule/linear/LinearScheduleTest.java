package io.mr1.klschedule.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearScheduleTest {

    private static final double EPS = 1e-12;

    private final LinearSchedule provider = new LinearSchedule();

    @Test
    void defaultsFallFromStartToEnd() {
        assertEquals("linear", provider.name());
        assertEquals(List.of("start", "end"), List.copyOf(provider.parameters().keySet()));
        assertTrue(provider.presets().isEmpty());
        // start 0.1, end 0.01: each step of 100 moves by 0.09 / 100 = 0.0009.
        KlSchedule schedule = provider.create(Map.of());
        assertEquals(0.1, schedule.beta(0, 100), EPS);
        assertEquals(0.0775, schedule.beta(25, 100), EPS);  // 0.1 - 0.0009 * 25
        assertEquals(0.055, schedule.beta(50, 100), EPS);   // 0.1 - 0.045
        assertEquals(0.01, schedule.beta(100, 100), EPS);
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    @Test
    void risingLineAndSingleStepRun() {
        KlSchedule schedule = provider.create(Map.of("start", "0", "end", "0.02"));
        assertEquals(0.0, schedule.beta(0, 8), EPS);
        assertEquals(0.005, schedule.beta(2, 8), EPS);  // 0.02 * 2/8
        assertEquals(0.02, schedule.beta(8, 8), EPS);
        assertEquals(0.02, schedule.beta(1, 1), EPS);
    }

    @Test
    void configurationChangesTheDefaults() {
        LinearSchedule configured = new LinearSchedule(Map.of("start", "0.05", "end", 0.03, "service.pid", LinearSchedule.PID));
        assertEquals(0.05, configured.parameters().get("start"), EPS);
        KlSchedule schedule = configured.create(Map.of());
        assertEquals(0.05, schedule.beta(0, 4), EPS);
        assertEquals(0.045, schedule.beta(1, 4), EPS);  // 0.05 - 0.02 / 4
        assertEquals(0.03, schedule.beta(4, 4), EPS);
        assertEquals(0.01, configured.create(Map.of("end", "0.01")).beta(4, 4), EPS, "a run's value still wins");
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("stop", "0.01")));
        assertTrue(unknown.getMessage().contains("'stop'") && unknown.getMessage().contains("valid keys: start, end"),
                unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("end", "-0.01")));
        assertTrue(negative.getMessage().contains("'end'"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("preset", "fast")));
        assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(Map.of("start", "high")));
        KlSchedule schedule = provider.create(Map.of());
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, 0));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(101, 100));
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(-1, 100));
    }
}
