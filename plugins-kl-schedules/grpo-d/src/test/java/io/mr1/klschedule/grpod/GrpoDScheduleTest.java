package io.mr1.klschedule.grpod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.kl.KlSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class GrpoDScheduleTest {

    private static final double EPS = 1e-12;

    private final GrpoDSchedule provider = new GrpoDSchedule();

    @Test
    void describesItsParametersAndPresetsInOrder() {
        assertEquals("grpo-d", provider.name());
        assertEquals(List.of("beta_min", "beta_max", "warmup_ratio", "warmup_steps"),
                List.copyOf(provider.parameters().keySet()));
        assertEquals(0.04, provider.parameters().get("beta_min"), EPS);
        assertEquals(0.1, provider.parameters().get("beta_max"), EPS);
        assertEquals(0.3, provider.parameters().get("warmup_ratio"), EPS);
        assertTrue(provider.parameters().get("warmup_steps").isNaN(), "no default");
        assertEquals(List.of("counting", "geometry"), List.copyOf(provider.presets().keySet()));
        assertEquals(Map.of("beta_min", 0.0, "beta_max", 0.02, "warmup_ratio", 0.3), provider.presets().get("geometry"));
    }

    @Test
    void defaultsAreThePaperCountingSetting() {
        // t = 100, w = 0.3 * 100 = 30, beta_mid = (0.04 + 0.1) / 2 = 0.07.
        for (KlSchedule schedule : List.of(provider.create(Map.of()), provider.create(Map.of("preset", "counting")))) {
            assertEquals(0.07, schedule.beta(0, 100), EPS);
            assertEquals(0.055, schedule.beta(15, 100), EPS);  // 0.07 - 0.03 * 15/30
            assertEquals(0.04, schedule.beta(30, 100), EPS);   // s = w: beta_min
            assertEquals(0.052, schedule.beta(44, 100), EPS);  // 0.04 + 0.06 * 14/70
            assertEquals(0.07, schedule.beta(65, 100), EPS);   // 0.04 + 0.06 * 35/70
            assertEquals(0.1, schedule.beta(100, 100), EPS);
            assertTrue(schedule.state().isEmpty(), "stateless");
        }
    }

    @Test
    void geometryPreset() {
        // beta_min 0, beta_max 0.02, beta_mid 0.01, w = 30 of 100.
        KlSchedule schedule = provider.create(Map.of("preset", "geometry"));
        assertEquals(0.01, schedule.beta(0, 100), EPS);
        assertEquals(0.005, schedule.beta(15, 100), EPS);  // 0.01 - 0.01 * 15/30
        assertEquals(0.0, schedule.beta(30, 100), EPS);
        assertEquals(0.01, schedule.beta(65, 100), EPS);   // 0.02 * 35/70
        assertEquals(0.02, schedule.beta(100, 100), EPS);
        // A run's key overrides the preset's: beta_max 0.04, beta_mid 0.02.
        KlSchedule wider = provider.create(Map.of("preset", "geometry", "beta_max", "0.04"));
        assertEquals(0.02, wider.beta(0, 100), EPS);
        assertEquals(0.04, wider.beta(100, 100), EPS);
    }

    @Test
    void warmupStepsWinsOverTheDefaultRatio() {
        // w = 20 of 100, counting betas.
        KlSchedule schedule = provider.create(Map.of("warmup_steps", "20"));
        assertEquals(0.07, schedule.beta(0, 100), EPS);
        assertEquals(0.055, schedule.beta(10, 100), EPS);  // 0.07 - 0.03 * 10/20
        assertEquals(0.04, schedule.beta(20, 100), EPS);
        assertEquals(0.07, schedule.beta(60, 100), EPS);   // 0.04 + 0.06 * 40/80
        assertEquals(0.1, schedule.beta(100, 100), EPS);
    }

    @Test
    void explorationLengthIsNotRounded() {
        // t = 10, ratio 0.25: w = 2.5 (rounding to 2 would give 0.04 at s = 2, to 3 would give 0.04 at s = 3).
        KlSchedule schedule = provider.create(Map.of("warmup_ratio", "0.25"));
        assertEquals(0.07, schedule.beta(0, 10), EPS);
        assertEquals(0.046, schedule.beta(2, 10), EPS);  // 0.07 - 0.03 * 2/2.5 = 0.07 - 0.024
        assertEquals(0.044, schedule.beta(3, 10), EPS);  // 0.04 + 0.06 * 0.5/7.5 = 0.04 + 0.004
        assertEquals(0.1, schedule.beta(10, 10), EPS);
    }

    @Test
    void noExplorationPhaseRisesFromBetaMin() {
        for (String key : List.of("warmup_ratio", "warmup_steps")) {
            KlSchedule schedule = provider.create(Map.of(key, "0"));
            assertEquals(0.04, schedule.beta(0, 100), EPS, key);
            assertEquals(0.07, schedule.beta(50, 100), EPS, key);  // 0.04 + 0.06 * 50/100
            assertEquals(0.1, schedule.beta(100, 100), EPS, key);
        }
    }

    @Test
    void explorationAsLongAsTheRunOnlyFalls() {
        KlSchedule whole = provider.create(Map.of("warmup_ratio", "1"));
        assertEquals(0.07, whole.beta(0, 100), EPS);
        assertEquals(0.055, whole.beta(50, 100), EPS);  // 0.07 - 0.03 * 50/100
        assertEquals(0.04, whole.beta(100, 100), EPS);
        KlSchedule longer = provider.create(Map.of("warmup_steps", "200"));
        assertEquals(0.055, longer.beta(100, 100), EPS);  // 0.07 - 0.03 * 100/200: never reaches beta_min
    }

    @Test
    void configurationChangesTheDefaults() {
        // FileInstall delivers strings: beta_min 0.05, beta_max 0.09, beta_mid 0.07, w = 30 of 100.
        GrpoDSchedule configured = new GrpoDSchedule(Map.of("beta_min", "0.05", "beta_max", 0.09,
                "service.pid", GrpoDSchedule.PID, "felix.fileinstall.filename", "file:/x/plugins/io.mr1.klschedule.grpod.cfg"));
        assertEquals(0.05, configured.parameters().get("beta_min"), EPS);
        KlSchedule schedule = configured.create(Map.of());
        assertEquals(0.07, schedule.beta(0, 100), EPS);
        assertEquals(0.05, schedule.beta(30, 100), EPS);
        assertEquals(0.07, schedule.beta(65, 100), EPS);  // 0.05 + 0.04 * 35/70
        assertEquals(0.09, schedule.beta(100, 100), EPS);
    }

    @Test
    void configuredWarmupStepsReplacesTheRatioUntilALaterLayerSetsOne() {
        GrpoDSchedule configured = new GrpoDSchedule(Map.of("warmup_steps", "50"));
        assertTrue(configured.parameters().get("warmup_ratio").isNaN(), "only the warmup that applies shows");
        assertEquals(50.0, configured.parameters().get("warmup_steps"), EPS);
        KlSchedule steps = configured.create(Map.of());
        assertEquals(0.055, steps.beta(25, 100), EPS);  // 0.07 - 0.03 * 25/50
        assertEquals(0.04, steps.beta(50, 100), EPS);
        assertEquals(0.07, steps.beta(75, 100), EPS);   // 0.04 + 0.06 * 25/50
        // A run's ratio, or a preset's, replaces the configured steps: w = 30.
        assertEquals(0.04, configured.create(Map.of("warmup_ratio", "0.3")).beta(30, 100), EPS);
        assertEquals(0.04, configured.create(Map.of("preset", "counting")).beta(30, 100), EPS);
        // And the run's steps replace the preset's ratio.
        KlSchedule geometry = provider.create(Map.of("preset", "geometry", "warmup_steps", "10"));
        assertEquals(0.005, geometry.beta(5, 100), EPS);  // 0.01 - 0.01 * 5/10
        assertEquals(0.0, geometry.beta(10, 100), EPS);
    }

    @Test
    void bothWarmupKeysAreAnError() {
        IllegalArgumentException run = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("warmup_ratio", "0.3", "warmup_steps", "30")));
        assertTrue(run.getMessage().contains("warmup_ratio") && run.getMessage().contains("warmup_steps"),
                run.getMessage());
        IllegalArgumentException config = assertThrows(IllegalArgumentException.class,
                () -> new GrpoDSchedule(Map.of("warmup_ratio", "0.3", "warmup_steps", "30")));
        assertTrue(config.getMessage().contains("warmup_ratio") && config.getMessage().contains("warmup_steps"),
                config.getMessage());
    }

    @Test
    void unknownKeysAndPresetsListTheValidOnes() {
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("beta_mid", "0.07")));
        assertTrue(key.getMessage().contains("'beta_mid'")
                && key.getMessage().contains("beta_min, beta_max, warmup_ratio, warmup_steps, preset"), key.getMessage());
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> provider.create(Map.of("preset", "chart")));
        assertTrue(preset.getMessage().contains("'chart'") && preset.getMessage().contains("counting, geometry"),
                preset.getMessage());
    }

    @Test
    void invalidValuesNameTheKey() {
        assertRejected("beta_min", () -> provider.create(Map.of("beta_min", "0.2")));  // > beta_max 0.1
        assertRejected("beta_min", () -> provider.create(Map.of("beta_min", "-0.01")));
        assertRejected("beta_max", () -> provider.create(Map.of("beta_max", "NaN")));
        assertRejected("warmup_ratio", () -> provider.create(Map.of("warmup_ratio", "1.5")));
        assertRejected("warmup_ratio", () -> provider.create(Map.of("warmup_ratio", "-0.1")));
        assertRejected("warmup_steps", () -> provider.create(Map.of("warmup_steps", "-1")));
        assertRejected("warmup_steps", () -> provider.create(Map.of("warmup_steps", "0.3")));
        assertRejected("beta_max", () -> new GrpoDSchedule(Map.of("beta_max", "0.01")));
        // Equal bounds are a valid constant weight.
        KlSchedule flat = provider.create(Map.of("beta_min", "0.05", "beta_max", "0.05"));
        assertEquals(0.05, flat.beta(0, 10), EPS);
        assertEquals(0.05, flat.beta(7, 10), EPS);
    }

    @Test
    void stepsOutsideTheRunAreRejected() {
        KlSchedule schedule = provider.create(Map.of());
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> schedule.beta(0, 0));
        assertTrue(total.getMessage().contains("totalSteps must be >= 1"), total.getMessage());
        IllegalArgumentException after = assertThrows(IllegalArgumentException.class, () -> schedule.beta(101, 100));
        assertTrue(after.getMessage().contains("101") && after.getMessage().contains("100"), after.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.beta(-1, 100));
    }

    private static void assertRejected(String key, Executable call) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage().contains("'" + key + "'"), ex.getMessage());
    }
}
