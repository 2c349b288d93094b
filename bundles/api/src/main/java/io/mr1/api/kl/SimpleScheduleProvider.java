package io.mr1.api.kl;

import java.util.Collections;
import java.util.Map;

/**
 * The common part of a stateless schedule plugin: its name, its parameters with built-in
 * defaults updated by ConfigAdmin, validation at activation (a bad {@code .cfg} file fails
 * the component and SCR logs why), resolution of a run's overrides, and the step check.
 * A plugin supplies only its curve.
 */
public abstract class SimpleScheduleProvider implements KlScheduleProvider {

    private final String name;
    private final Map<String, Double> defaults;

    /**
     * Sets up the provider. Calls {@link #curve} once to validate the configured defaults,
     * so implementations must not depend on their own instance fields there.
     *
     * @param name the schedule's name
     * @param builtIn parameters with built-in defaults, in documentation order
     * @param componentProperties the DS component's properties (ConfigAdmin)
     * @throws IllegalArgumentException when a configured value is invalid
     */
    protected SimpleScheduleProvider(String name, Map<String, Double> builtIn, Map<String, ?> componentProperties) {
        this.name = name;
        this.defaults = Collections.unmodifiableMap(ScheduleParameters.configured(builtIn, componentProperties));
        curve(defaults);
    }

    /**
     * The schedule for resolved parameters.
     *
     * @param params every parameter with its value
     * @return beta(s, t); called with s already checked to lie in [0, t]
     * @throws IllegalArgumentException naming an invalid parameter
     */
    protected abstract KlSchedule curve(Map<String, Double> params);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Map<String, Double> parameters() {
        return defaults;
    }

    @Override
    public final KlSchedule create(ScheduleOverrides overrides) {
        KlSchedule curve = curve(ScheduleParameters.resolve(name, defaults, presets(), overrides));
        return (step, totalSteps) -> {
            ScheduleParameters.checkStep(step, totalSteps);
            return curve.beta(step, totalSteps);
        };
    }
}
