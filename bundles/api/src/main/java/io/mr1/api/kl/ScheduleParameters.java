package io.mr1.api.kl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolves a KL schedule's parameters the same way for every schedule plugin: built-in
 * defaults, replaced by the component's ConfigAdmin configuration, then by a preset,
 * then by a run's overrides ({@link ScheduleOverrides}, numbers). Unknown keys and presets
 * are rejected with a message that names the schedule and the key and lists the valid keys.
 */
public final class ScheduleParameters {

    /** The override key that selects a preset. */
    public static final String PRESET = "preset";

    private ScheduleParameters() {
    }

    /**
     * Built-in defaults updated with the component's configuration properties. Keys
     * that are not parameters (service.pid, component.name, FileInstall's ...) are ignored.
     *
     * @param builtIn the schedule's parameters with built-in defaults, in documentation order
     * @param componentProperties the DS component's properties (from ConfigAdmin)
     * @return the defaults to use
     * @throws IllegalArgumentException when a configured parameter is not a number
     */
    public static Map<String, Double> configured(Map<String, Double> builtIn, Map<String, ?> componentProperties) {
        Map<String, Double> out = new LinkedHashMap<>(builtIn);
        for (String key : builtIn.keySet()) {
            Object value = componentProperties.get(key);
            if (value instanceof Number n) {
                out.put(key, n.doubleValue());
            } else if (value != null) {
                out.put(key, number("configuration", key, value.toString()));
            }
        }
        return out;
    }

    /**
     * Resolves a run's parameters.
     *
     * @param schedule the schedule's name, for messages
     * @param defaults key to default value (NaN: no default)
     * @param presets preset name to the parameters it sets
     * @param overrides the run's preset and values
     * @return every parameter key with its value (NaN where none was given)
     * @throws IllegalArgumentException naming an unknown key or preset
     */
    public static Map<String, Double> resolve(String schedule, Map<String, Double> defaults,
                                              Map<String, Map<String, Double>> presets,
                                              ScheduleOverrides overrides) {
        Map<String, Double> out = new LinkedHashMap<>(defaults);
        String preset = overrides.preset();
        if (preset != null) {
            Map<String, Double> values = presets.get(preset);
            if (values == null) {
                throw new IllegalArgumentException("unknown preset '" + preset + "' for KL schedule '" + schedule
                        + "'; valid presets: " + (presets.isEmpty() ? "(none)" : String.join(", ", presets.keySet())));
            }
            out.putAll(values);
        }
        for (Map.Entry<String, Double> e : overrides.values().entrySet()) {
            if (!defaults.containsKey(e.getKey())) {
                String valid = String.join(", ", defaults.keySet()) + (presets.isEmpty() ? "" : ", " + PRESET);
                throw new IllegalArgumentException("unknown parameter '" + e.getKey() + "' for KL schedule '"
                        + schedule + "'; valid keys: " + valid);
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * A parameter that must be present.
     *
     * @param schedule the schedule's name, for messages
     * @param params resolved parameters
     * @param key the key
     * @return its value
     * @throws IllegalArgumentException when it is missing (NaN) or negative
     */
    public static double requireNonNegative(String schedule, Map<String, Double> params, String key) {
        Double v = params.get(key);
        if (v == null || v.isNaN()) {
            throw new IllegalArgumentException("KL schedule '" + schedule + "' needs parameter '" + key + "'");
        }
        if (v < 0 || v.isInfinite()) {
            throw new IllegalArgumentException("parameter '" + key + "' of KL schedule '" + schedule
                    + "' must be a finite number >= 0, got " + v);
        }
        return v;
    }

    /**
     * Checks a step against the run's length; every schedule calls this in beta().
     *
     * @param step s
     * @param totalSteps t
     * @throws IllegalArgumentException when t &lt; 1 or s is outside [0, t]
     */
    public static void checkStep(long step, long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        if (step < 0 || step > totalSteps) {
            throw new IllegalArgumentException("step " + step + " is outside [0, totalSteps = " + totalSteps + "]");
        }
    }

    private static double number(String schedule, String key, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("parameter '" + key + "' of KL schedule '" + schedule
                    + "' must be a number, got '" + text + "'");
        }
    }
}
