package io.mr1.klschedule.grpod;

import io.mr1.api.kl.KlSchedule;
import io.mr1.api.kl.KlScheduleProvider;
import io.mr1.api.kl.ScheduleOverrides;
import io.mr1.api.kl.ScheduleParameters;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * OThink-MR1's dynamic KL weight (paper Eq. 3), with beta_mid = (beta_min + beta_max) / 2:
 * <pre>
 * beta(s) = beta_mid - (beta_mid - beta_min) * s / w            if s &lt;= w
 * beta(s) = beta_min + (beta_max - beta_min) * (s - w) / (t - w) if w &lt; s &lt;= t
 * </pre>
 * The exploration length w is {@code warmup_ratio * t} (a real number, not rounded) or
 * {@code warmup_steps}. With w = 0 there is no exploration phase: beta rises from beta_min
 * at s = 0 to beta_max at s = t. With w &gt;= t only the first branch applies.
 *
 * <p>Exactly one warmup key decides w. Each layer of parameters (configuration, preset,
 * run overrides) that sets one of them replaces the other from the layers below, so a
 * configured or given {@code warmup_steps} wins over the default {@code warmup_ratio};
 * one layer setting both is an error.
 */
@Component(service = KlScheduleProvider.class, configurationPid = GrpoDSchedule.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class GrpoDSchedule implements KlScheduleProvider {

    /** ConfigAdmin PID ({@code plugins/io.mr1.klschedule.grpod.cfg}). */
    public static final String PID = "io.mr1.klschedule.grpod";

    /** The schedule's name. */
    public static final String NAME = "grpo-d";

    /** Parameter: the lowest weight, reached at s = w. */
    public static final String BETA_MIN = "beta_min";

    /** Parameter: the highest weight, reached at s = t. */
    public static final String BETA_MAX = "beta_max";

    /** Parameter: w as a fraction of the run, in [0, 1] (paper: 0.3). */
    public static final String WARMUP_RATIO = "warmup_ratio";

    /** Parameter: w as a whole number of steps (no default). */
    public static final String WARMUP_STEPS = "warmup_steps";

    /** Preset: the paper's visual-counting setting (the built-in defaults). */
    public static final String COUNTING = "counting";

    /** Preset: the paper's geometry-reasoning setting. */
    public static final String GEOMETRY = "geometry";

    private static final Map<String, Map<String, Double>> PRESETS = paperPresets();

    private final Map<String, Double> defaults;

    /**
     * Creates the provider with ConfigAdmin configuration.
     *
     * @param properties component properties; keys named like the parameters replace the
     *     built-in defaults (the {@code counting} preset)
     * @throws IllegalArgumentException when a configured value is invalid, or both warmup keys are set
     */
    @Activate
    public GrpoDSchedule(Map<String, Object> properties) {
        Map<String, Double> builtIn = new LinkedHashMap<>(PRESETS.get(COUNTING));
        builtIn.put(WARMUP_STEPS, Double.NaN);
        Map<String, Double> configured = ScheduleParameters.configured(builtIn, properties);
        if (WARMUP_STEPS.equals(warmupKey(properties.keySet(), "the configuration"))) {
            // So that parameters() shows the one warmup that applies.
            configured.put(WARMUP_RATIO, Double.NaN);
        }
        defaults = Collections.unmodifiableMap(configured);
        // Validate now, so that a bad configuration file fails activation and SCR logs why.
        build(defaults, defaultWarmupKey());
    }

    /** Creates the provider with the built-in defaults, the paper's counting setting (for tests and tools). */
    public GrpoDSchedule() {
        this(Map.of());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Double> parameters() {
        return defaults;
    }

    @Override
    public Map<String, Map<String, Double>> presets() {
        return PRESETS;
    }

    @Override
    public KlSchedule create(ScheduleOverrides overrides) {
        Map<String, Double> params = ScheduleParameters.resolve(NAME, defaults, PRESETS, overrides);
        String warmup = warmupKey(overrides.values().keySet(), "the run's parameters");
        String preset = overrides.preset();
        if (warmup == null && preset != null) {
            warmup = warmupKey(PRESETS.get(preset).keySet(), "preset '" + preset + "'");
        }
        return build(params, warmup != null ? warmup : defaultWarmupKey());
    }

    private String defaultWarmupKey() {
        return Double.isNaN(defaults.get(WARMUP_RATIO)) ? WARMUP_STEPS : WARMUP_RATIO;
    }

    /** The warmup key a layer of parameters sets, or null when it sets neither. */
    private static String warmupKey(Collection<String> keys, String layer) {
        boolean ratio = keys.contains(WARMUP_RATIO);
        boolean steps = keys.contains(WARMUP_STEPS);
        if (ratio && steps) {
            throw new IllegalArgumentException("KL schedule '" + NAME + "' takes either '" + WARMUP_RATIO + "' or '"
                    + WARMUP_STEPS + "', not both; " + layer + " set both");
        }
        return steps ? WARMUP_STEPS : ratio ? WARMUP_RATIO : null;
    }

    private static KlSchedule build(Map<String, Double> params, String warmupKey) {
        double min = ScheduleParameters.requireNonNegative(NAME, params, BETA_MIN);
        double max = ScheduleParameters.requireNonNegative(NAME, params, BETA_MAX);
        if (min > max) {
            throw new IllegalArgumentException("parameter '" + BETA_MIN + "' of KL schedule '" + NAME
                    + "' must be <= '" + BETA_MAX + "', got " + min + " > " + max);
        }
        double warmup = ScheduleParameters.requireNonNegative(NAME, params, warmupKey);
        boolean ratio = warmupKey.equals(WARMUP_RATIO);
        if (ratio && warmup > 1) {
            throw new IllegalArgumentException("parameter '" + WARMUP_RATIO + "' of KL schedule '" + NAME
                    + "' must be in [0, 1], got " + warmup);
        }
        if (!ratio && warmup != Math.rint(warmup)) {
            // Catches warmup_steps = 0.3 meant as a ratio.
            throw new IllegalArgumentException("parameter '" + WARMUP_STEPS + "' of KL schedule '" + NAME
                    + "' must be a whole number of steps (use '" + WARMUP_RATIO + "' for a fraction), got " + warmup);
        }
        return (step, totalSteps) -> {
            ScheduleParameters.checkStep(step, totalSteps);
            return beta(min, max, ratio ? warmup * totalSteps : warmup, step, totalSteps);
        };
    }

    /** Eq. 3 for exploration length w. */
    private static double beta(double min, double max, double w, double s, double t) {
        if (w == 0) {
            // No exploration phase; the first branch would be 0/0 at s = 0.
            return min + (max - min) * s / t;
        }
        double mid = (min + max) / 2;
        if (s <= w) {
            return mid - (mid - min) * s / w;
        }
        return min + (max - min) * (s - w) / (t - w);
    }

    private static Map<String, Map<String, Double>> paperPresets() {
        Map<String, Map<String, Double>> presets = new LinkedHashMap<>();
        presets.put(COUNTING, paperSetting(0.04, 0.1, 0.3));
        presets.put(GEOMETRY, paperSetting(0.0, 0.02, 0.3));
        return Collections.unmodifiableMap(presets);
    }

    private static Map<String, Double> paperSetting(double betaMin, double betaMax, double warmupRatio) {
        Map<String, Double> setting = new LinkedHashMap<>();
        setting.put(BETA_MIN, betaMin);
        setting.put(BETA_MAX, betaMax);
        setting.put(WARMUP_RATIO, warmupRatio);
        return Collections.unmodifiableMap(setting);
    }

}
