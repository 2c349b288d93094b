package io.mr1.api.kl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's choices for a KL schedule, typed: an optional preset and parameter values as
 * numbers. Configurations pass their numbers straight through; only text from a command line
 * ({@code mr1 schedule --set key=value}) is parsed, once, by {@link #parse}.
 *
 * @param preset the preset to apply first, or null
 * @param values parameter key to value, applied over the preset
 */
public record ScheduleOverrides(String preset, Map<String, Double> values) {

    /** Copies the values, keeping their order. */
    public ScheduleOverrides {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * No preset and no values: the schedule's defaults.
     *
     * @return empty overrides
     */
    public static ScheduleOverrides none() {
        return new ScheduleOverrides(null, Map.of());
    }

    /**
     * Parses text key/value pairs (a command line's), the key {@link ScheduleParameters#PRESET}
     * naming a preset.
     *
     * @param schedule the schedule's name, for messages
     * @param text key to value as text
     * @return the typed overrides
     * @throws IllegalArgumentException naming a value that is not a number
     */
    public static ScheduleOverrides parse(String schedule, Map<String, String> text) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : text.entrySet()) {
            if (e.getKey().equals(ScheduleParameters.PRESET)) {
                continue;
            }
            try {
                values.put(e.getKey(), Double.parseDouble(e.getValue().trim()));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' of KL schedule '" + schedule
                        + "' must be a number, got '" + e.getValue() + "'");
            }
        }
        return new ScheduleOverrides(text.get(ScheduleParameters.PRESET), values);
    }
}
