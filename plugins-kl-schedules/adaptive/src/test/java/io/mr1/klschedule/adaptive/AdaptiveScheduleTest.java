package io.mr1.klschedule.adaptive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdaptiveScheduleTest {

    private static final double EPS = 1e-12;

    private final AdaptiveSchedule provider = new AdaptiveSchedule();

    private KlSchedule small() {
        return provider.create(Map.of("beta", "0.1", "target", "0.01", "horizon", "10"));
    }

    @Test
    void describesItsParameters() {
        assertEquals("adaptive", provider.name());
        assertEquals(List.of("beta", "target", "horizon"), List.copyOf(provider.parameters().keySet()));
        assertEquals(Map.of("beta", 0.04, "target", 0.01, "horizon", 10000.0), provider.parameters());
        assertTrue(provider.presets().isEmpty());
    }

    @Test
    void controllerFollowsTheMeasuredKl() {
        KlSchedule schedule = small();
        assertEquals(0.1, schedule.beta(0, 100), EPS);
        assertEquals(Map.of("beta", 0.1, "last_step", -1.0), schedule.state());
        schedule.observe(0, 100, 0.02);  // error 0.02/0.01 - 1 = 1, clipped to 0.2; n = 1: * (1 + 0.2/10)
        assertEquals(0.102, schedule.beta(1, 100), EPS);
        schedule.observe(1, 100, 0.0);   // error -1, clipped to -0.2: * 0.98
        assertEquals(0.09996, schedule.beta(2, 100), EPS);
        schedule.observe(2, 100, 0.011); // error 0.1: * 1.01 = 0.09996 + 0.0009996
        assertEquals(0.1009596, schedule.beta(3, 100), EPS);
        schedule.observe(5, 100, 0.0105); // error 0.05, n = 5 - 2 = 3: * (1 + 0.05 * 3/10) = * 1.015
        assertEquals(0.102473994, schedule.beta(6, 100), EPS);  // 0.1009596 + 0.001514394
        schedule.observe(6, 100, Double.NaN);  // no measurement: nothing changes, not even the last step
        assertEquals(0.102473994, schedule.state().get("beta"), EPS);
        assertEquals(5.0, schedule.state().get("last_step"), EPS);
        schedule.observe(8, 100, 0.01);  // on target: error 0
        assertEquals(0.102473994, schedule.beta(8, 100), EPS);
        assertEquals(8.0, schedule.state().get("last_step"), EPS);
    }

    @Test
    void firstObservationCountsAsOneStep() {
        KlSchedule schedule = small();
        schedule.observe(7, 100, 0.02);  // n = 1, not 8: 0.1 * 1.02
        assertEquals(0.102, schedule.beta(7, 100), EPS);
    }

    @Test
    void errorIsClippedBothWaysAndGapsAreCappedAtTheHorizon() {
        KlSchedule schedule = small();
        schedule.observe(0, 100, Double.POSITIVE_INFINITY);  // +0.2: 0.1 * 1.02
        assertEquals(0.102, schedule.beta(0, 100), EPS);
        schedule.observe(1, 100, -0.5);  // a negative KL estimate: -0.2, * 0.98
        assertEquals(0.09996, schedule.beta(1, 100), EPS);
        schedule.observe(61, 100, 0.0);  // n = 60 > horizon 10: factor 1 - 0.2 * 10/10 = 0.8, not -0.2
        assertEquals(0.079968, schedule.beta(61, 100), EPS);  // 0.09996 * 0.8
    }

    @Test
    void defaultsMoveSlowly() {
        KlSchedule schedule = provider.create(Map.of());
        schedule.observe(0, 10, 0.02);  // 0.04 * (1 + 0.2/10000) = 0.04 * 1.00002
        assertEquals(0.0400008, schedule.beta(1, 10), EPS);
    }

    @Test
    void resumedRunContinuesIdentically() {
        long[] steps = {0, 1, 2, 3, 5, 6, 9, 10, 14, 20};
        double[] kls = {0.02, 0.0, 0.011, Double.NaN, 0.0105, 0.03, 0.005, 0.0125, 0.009, 0.04};
        KlSchedule uninterrupted = small();
        KlSchedule first = small();
        for (int i = 0; i < 5; i++) {
            uninterrupted.observe(steps[i], 20, kls[i]);
            first.observe(steps[i], 20, kls[i]);
        }
        Map<String, Double> checkpoint = Map.copyOf(first.state());
        assertEquals(5.0, checkpoint.get("last_step"), EPS);
        // The resumed run was created with other initial values: the checkpoint replaces them.
        KlSchedule resumed = provider.create(Map.of("beta", "0.5", "target", "0.01", "horizon", "10"));
        resumed.restore(checkpoint);
        assertEquals(uninterrupted.state(), resumed.state());
        for (int i = 5; i < steps.length; i++) {
            uninterrupted.observe(steps[i], 20, kls[i]);
            resumed.observe(steps[i], 20, kls[i]);
            assertEquals(uninterrupted.beta(steps[i], 20), resumed.beta(steps[i], 20), EPS, "after step " + steps[i]);
        }
        assertEquals(uninterrupted.state(), resumed.state());
    }

    @Test
    void badStateIsRejected() {
        KlSchedule schedule = small();
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> schedule.restore(Map.of("beta", 0.1)));
        assertTrue(missing.getMessage().contains("'last_step'"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.restore(Map.of("beta", 0.0, "last_step", 3.0)));
        assertThrows(IllegalArgumentException.class, () -> schedule.restore(Map.of("beta", Double.NaN, "last_step", 3.0)));
        assertThrows(IllegalArgumentException.class, () -> schedule.restore(Map.of("beta", 0.1, "last_step", 2.5)));
        assertThrows(IllegalArgumentException.class, () -> schedule.restore(Map.of("beta", 0.1, "last_step", -2.0)));
        assertEquals(Map.of("beta", 0.1, "last_step", -1.0), schedule.state(), "a rejected state changes nothing");
    }

    @Test
    void configurationChangesTheDefaults() {
        AdaptiveSchedule configured = new AdaptiveSchedule(Map.of("beta", "0.05", "horizon", 100, "service.pid",
                AdaptiveSchedule.PID));
        assertEquals(Map.of("beta", 0.05, "target", 0.01, "horizon", 100.0), configured.parameters());
        KlSchedule schedule = configured.create(Map.of());
        assertEquals(0.05, schedule.beta(0, 10), EPS);
        schedule.observe(0, 10, 0.0);  // -0.2 / 100: 0.05 * 0.998
        assertEquals(0.0499, schedule.beta(1, 10), EPS);
    }

    @Test
    void badParametersAreRejected() {
        for (String key : List.of("beta", "target", "horizon")) {
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> provider.create(Map.of(key, "0")));
            assertTrue(zero.getMessage().contains("'" + key + "'") && zero.getMessage().contains("> 0"), zero.getMessage());
            assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of(key, "-1")));
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("kl_target", "0.02")));
        assertTrue(unknown.getMessage().contains("'kl_target'")
                && unknown.getMessage().contains("valid keys: beta, target, horizon"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.create(Map.of("preset", "verl")));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveSchedule(Map.of("target", "0")));
    }

    @Test
    void stepsOutsideTheRunAreRejected() {
        KlSchedule schedule = small();
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, 0));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(11, 10));
        assertThrows(IllegalArgumentException.class, () -> schedule.observe(11, 10, 0.01));
        assertThrows(IllegalArgumentException.class, () -> schedule.observe(-1, 10, 0.01));
        assertEquals(-1.0, schedule.state().get("last_step"), EPS, "a rejected observation changes nothing");
    }
}
