package io.mr1.klschedule.constant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConstantScheduleTest {

    private static final double EPS = 1e-12;

    @Test
    void builtInIsTheDefaultGrpoWeight() {
        ConstantSchedule provider = new ConstantSchedule();
        assertEquals("constant", provider.name());
        assertEquals(List.of("beta"), List.copyOf(provider.parameters().keySet()));
        assertEquals(0.04, provider.parameters().get("beta"), EPS);
        assertTrue(provider.presets().isEmpty());
        KlSchedule schedule = provider.create(Map.of());
        assertEquals(0.04, schedule.beta(0, 100), EPS);
        assertEquals(0.04, schedule.beta(37, 100), EPS);
        assertEquals(0.04, schedule.beta(100, 100), EPS);
        assertTrue(schedule.state().isEmpty(), "stateless");
    }

    @Test
    void overrideSetsBeta() {
        // The paper's geometry baseline: constant beta = 0.01.
        KlSchedule schedule = new ConstantSchedule().create(Map.of("beta", "0.01"));
        assertEquals(0.01, schedule.beta(0, 10), EPS);
        assertEquals(0.01, schedule.beta(10, 10), EPS);
        assertEquals(0.0, new ConstantSchedule().create(Map.of("beta", "0")).beta(5, 10), EPS);
    }

    @Test
    void configurationChangesTheDefault() {
        // FileInstall delivers strings; other ConfigAdmin sources deliver numbers.
        ConstantSchedule fromText = new ConstantSchedule(Map.of("beta", "0.05", "service.pid", ConstantSchedule.PID));
        assertEquals(0.05, fromText.parameters().get("beta"), EPS);
        assertEquals(0.05, fromText.create(Map.of()).beta(3, 10), EPS);
        assertEquals(0.02, fromText.create(Map.of("beta", "0.02")).beta(3, 10), EPS, "a run's value still wins");
        assertEquals(0.03, new ConstantSchedule(Map.of("beta", 0.03)).create(Map.of()).beta(0, 1), EPS);
    }

    @Test
    void badParametersAreRejectedWithTheKeyNamed() {
        ConstantSchedule provider = new ConstantSchedule();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("betta", "0.1")));
        assertTrue(unknown.getMessage().contains("'betta'") && unknown.getMessage().contains("valid keys: beta"),
                unknown.getMessage());
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("preset", "counting")));
        assertTrue(preset.getMessage().contains("'counting'"), preset.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("beta", "-0.01")));
        assertTrue(negative.getMessage().contains("'beta'"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("beta", "Infinity")));
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("beta", "lots")));
        assertThrows(IllegalArgumentException.class, () -> new ConstantSchedule(Map.of("beta", "-1")),
                "a bad configuration fails activation");
    }

    @Test
    void stepsOutsideTheRunAreRejected() {
        KlSchedule schedule = new ConstantSchedule().create(Map.of());
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, 0));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        IllegalArgumentException after = assertThrows(IllegalArgumentException.class, () -> schedule.beta(11, 10));
        assertTrue(after.getMessage().contains("11") && after.getMessage().contains("10"), after.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(-1, 10));
    }
}
