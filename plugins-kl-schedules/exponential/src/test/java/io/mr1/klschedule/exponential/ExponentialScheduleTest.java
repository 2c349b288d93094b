package io.mr1.klschedule.exponential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExponentialScheduleTest {

    private static final double EPS = 1e-12;

    private final ExponentialSchedule provider = new ExponentialSchedule();

    @Test
    void defaultsFallByTheSameFactorEachStep() {
        assertEquals("exponential", provider.name());
        assertEquals(List.of("start", "end"), List.copyOf(provider.parameters().keySet()));
        assertTrue(provider.presets().isEmpty());
        // start 0.1, end 0.01: beta = 0.1 * 0.1^(s/t).
        KlSchedule schedule = provider.create(Map.of());
        assertEquals(0.1, schedule.beta(0, 100), EPS);
        assertEquals(0.031622776601683794, schedule.beta(50, 100), EPS);  // 0.1 * sqrt(0.1) = 0.1 * 0.31622776601683794
        assertEquals(0.05623413251903491, schedule.beta(1, 4), EPS);      // 0.1 * 0.1^(1/4) = 0.1 * 0.5623413251903491
        assertEquals(0.01, schedule.beta(100, 100), EPS);
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    @Test
    void halvingAndRisingCurves() {
        // start 0.08, end 0.01, t = 3: factor (1/8)^(1/3) = 1/2 per step.
        KlSchedule halving = provider.create(Map.of("start", "0.08"));
        assertEquals(0.08, halving.beta(0, 3), EPS);
        assertEquals(0.04, halving.beta(1, 3), EPS);
        assertEquals(0.02, halving.beta(2, 3), EPS);
        assertEquals(0.01, halving.beta(3, 3), EPS);
        // start 0.01, end 0.04, t = 2: factor 2 per step.
        KlSchedule rising = provider.create(Map.of("start", "0.01", "end", "0.04"));
        assertEquals(0.02, rising.beta(1, 2), EPS);
        assertEquals(0.04, rising.beta(2, 2), EPS);
        // Equal ends: constant.
        assertEquals(0.03, provider.create(Map.of("start", "0.03", "end", "0.03")).beta(7, 10), EPS);
    }

    @Test
    void configurationChangesTheDefaults() {
        ExponentialSchedule configured = new ExponentialSchedule(Map.of("start", "0.05", "end", 0.0125, "service.pid",
                ExponentialSchedule.PID));
        assertEquals(0.05, configured.parameters().get("start"), EPS);
        KlSchedule schedule = configured.create(Map.of());
        assertEquals(0.05, schedule.beta(0, 2), EPS);
        assertEquals(0.025, schedule.beta(1, 2), EPS);  // 0.05 * (1/4)^(1/2)
        assertEquals(0.0125, schedule.beta(2, 2), EPS);
    }

    @Test
    void endsMustBePositive() {
        for (String key : List.of("start", "end")) {
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> provider.create(Map.of(key, "0")));
            assertTrue(zero.getMessage().contains("'" + key + "'") && zero.getMessage().contains("> 0"), zero.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> provider.create(Map.of(key, "-0.01")));
            assertTrue(negative.getMessage().contains("'" + key + "'"), negative.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ExponentialSchedule(Map.of("end", "0")),
                "a bad configuration fails activation");
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("rate", "0.9")));
        assertTrue(unknown.getMessage().contains("'rate'") && unknown.getMessage().contains("valid keys: start, end"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("preset", "fast")));
        KlSchedule schedule = provider.create(Map.of());
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, 0));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(11, 10));
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(-1, 10));
    }
}
