package io.mr1.klschedule.cosine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CosineScheduleTest {

    private static final double EPS = 1e-12;

    private final CosineSchedule provider = new CosineSchedule();

    @Test
    void defaultsFollowHalfACosine() {
        assertEquals("cosine", provider.name());
        assertEquals(List.of("start", "end"), List.copyOf(provider.parameters().keySet()));
        assertTrue(provider.presets().isEmpty());
        // start 0.1, end 0.01: beta = 0.01 + 0.09 * (1 + cos(pi s/t)) / 2.
        KlSchedule schedule = provider.create(Map.of());
        assertEquals(0.1, schedule.beta(0, 100), EPS);
        assertEquals(0.055, schedule.beta(50, 100), EPS);  // cos(pi/2) = 0: 0.01 + 0.045
        assertEquals(0.01, schedule.beta(100, 100), EPS);
        // t = 3: cos(pi/3) = 1/2 gives factor 3/4; cos(2pi/3) = -1/2 gives 1/4.
        assertEquals(0.0775, schedule.beta(1, 3), EPS);  // 0.01 + 0.09 * 0.75
        assertEquals(0.0325, schedule.beta(2, 3), EPS);  // 0.01 + 0.09 * 0.25
        // t = 4: cos(pi/4) = sqrt(2)/2 = 0.7071067811865476, factor 0.8535533905932738 (and 0.1464466094067262).
        assertEquals(0.08681980515339464, schedule.beta(1, 4), EPS);  // 0.01 + 0.09 * 0.8535533905932738
        assertEquals(0.02318019484660536, schedule.beta(3, 4), EPS);  // 0.01 + 0.09 * 0.1464466094067262
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    @Test
    void risingCurve() {
        KlSchedule schedule = provider.create(Map.of("start", "0", "end", "0.02"));
        assertEquals(0.0, schedule.beta(0, 3), EPS);
        assertEquals(0.005, schedule.beta(1, 3), EPS);  // 0.02 - 0.02 * 0.75
        assertEquals(0.015, schedule.beta(2, 3), EPS);  // 0.02 - 0.02 * 0.25
        assertEquals(0.02, schedule.beta(3, 3), EPS);
    }

    @Test
    void configurationChangesTheDefaults() {
        CosineSchedule configured = new CosineSchedule(Map.of("start", "0.05", "end", 0.03, "service.pid", CosineSchedule.PID));
        assertEquals(0.05, configured.parameters().get("start"), EPS);
        KlSchedule schedule = configured.create(Map.of());
        assertEquals(0.05, schedule.beta(0, 3), EPS);
        assertEquals(0.045, schedule.beta(1, 3), EPS);  // 0.03 + 0.02 * 0.75
        assertEquals(0.03, schedule.beta(3, 3), EPS);
        assertEquals(0.01, configured.create(Map.of("end", "0.01")).beta(3, 3), EPS, "a run's value still wins");
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("period", "2")));
        assertTrue(unknown.getMessage().contains("'period'") && unknown.getMessage().contains("valid keys: start, end"),
                unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("start", "-0.1")));
        assertTrue(negative.getMessage().contains("'start'"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("preset", "fast")));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(Map.of("end", "-1")));
        KlSchedule schedule = provider.create(Map.of());
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, -5));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(4, 3));
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(-1, 3));
    }
}
