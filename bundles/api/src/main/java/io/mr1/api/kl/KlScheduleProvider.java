package io.mr1.api.kl;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A KL-schedule plugin: creates per-run {@link KlSchedule}s from named parameters.
 * Registered as an OSGi service by one DS component per schedule; ConfigAdmin
 * configuration of the component sets the defaults that a run's parameters override.
 */
@ConsumerType
public interface KlScheduleProvider {

    /**
     * The schedule's name as used in configs and by {@code mr1 schedule NAME}.
     *
     * @return a short lower-case name such as {@code grpo-d}
     */
    String name();

    /**
     * Every parameter key the schedule accepts, with its current default (from
     * ConfigAdmin or built in); NaN marks a key without a default.
     *
     * @return key to default value, in documentation order
     */
    Map<String, Double> parameters();

    /**
     * Named parameter sets (e.g. grpo-d's {@code counting} and {@code geometry}).
     *
     * @return preset name to the parameters it sets; empty when the schedule has none
     */
    default Map<String, Map<String, Double>> presets() {
        return Map.of();
    }

    /**
     * Creates a schedule for one run.
     *
     * @param overrides a preset (applied first) and parameter values that replace the defaults
     * @return a fresh schedule with initial state
     * @throws IllegalArgumentException for an unknown key or preset, or an invalid value; the
     *     message names the key and lists the valid ones
     */
    KlSchedule create(ScheduleOverrides overrides);

    /**
     * Creates a schedule from text key/value pairs (a command line's {@code --set key=value}).
     *
     * @param overrides parameters as text; the key {@code preset}, if present, selects a preset first
     * @return a fresh schedule with initial state
     * @throws IllegalArgumentException for a non-number, an unknown key or preset, or an invalid value
     */
    default KlSchedule create(Map<String, String> overrides) {
        return create(ScheduleOverrides.parse(name(), overrides));
    }
}
