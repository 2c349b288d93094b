package io.mr1.tasks.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a task's per-run options ({@link io.mr1.api.task.Task#withOptions}) with one error
 * style: an unknown key names the valid ones, a wrong type names the key and the value.
 */
public final class TaskOptions {

    private final String task;
    private final Map<String, Object> options;

    /**
     * Checks that every key is known.
     *
     * @param task the task's name, for messages
     * @param options the options of one run
     * @param known the keys the task accepts
     * @throws IllegalArgumentException naming an unknown key and the valid keys
     */
    public TaskOptions(String task, Map<String, Object> options, Set<String> known) {
        this.task = task;
        this.options = options;
        for (String key : new TreeSet<>(options.keySet())) {
            if (!known.contains(key)) {
                throw new OptionException(prefix(key) + "unknown option; valid: "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    private String prefix(String key) {
        return "task " + task + ": task_options." + key + ": ";
    }

    /**
     * @param key the option
     * @param fallback its value when absent
     * @return the option as an int
     * @throws IllegalArgumentException when present and not a whole number
     */
    public int integer(String key, int fallback) {
        Object value = options.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new OptionException(prefix(key) + "must be a whole number, got " + value);
    }

    /**
     * @param key the option
     * @param fallback its value when absent
     * @return the option as a double
     * @throws IllegalArgumentException when present and not a number
     */
    public double number(String key, double fallback) {
        Object value = options.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new OptionException(prefix(key) + "must be a number, got " + value);
    }

    /**
     * @param key the option
     * @param fallback its value when absent
     * @return the option as a string
     * @throws IllegalArgumentException when present and not a string
     */
    public String string(String key, String fallback) {
        Object value = options.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof String s) {
            return s;
        }
        throw new OptionException(prefix(key) + "must be a string, got " + value);
    }

    /**
     * A mix of named choices: a list of names (each drawn equally often) or a map of name to
     * whole-number weight (names left out are never drawn). Names are checked against the
     * fallback's choices.
     *
     * @param key the option
     * @param what what a choice is, for messages (e.g. {@code question kind})
     * @param fallback the mix when absent; its choices are the valid names
     * @return the mix, with every valid choice in canonical order
     * @throws IllegalArgumentException naming the key (and the entry) and the valid names
     */
    public WeightedChoice weights(String key, String what, WeightedChoice fallback) {
        Object value = options.get(key);
        if (value == null) {
            return fallback;
        }
        List<String> valid = fallback.choices();
        Map<String, Integer> given = new LinkedHashMap<>();
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof String name) || !valid.contains(name)) {
                    throw new OptionException(prefix(key) + "unknown " + what + " " + quoted(item)
                            + "; valid: " + String.join(", ", valid));
                }
                if (given.put(name, 1) != null) {
                    throw new OptionException(prefix(key) + what + " '" + name + "' is listed twice");
                }
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String name = String.valueOf(e.getKey());
                if (!valid.contains(name)) {
                    throw new OptionException(prefix(key) + "unknown " + what + " '" + name + "'; valid: "
                            + String.join(", ", valid));
                }
                if (!(e.getValue() instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                        || n.doubleValue() < 0 || n.doubleValue() > WeightedChoice.MAX_WEIGHT) {
                    throw new OptionException(prefix(key + "." + name) + "must be a whole-number weight"
                            + " from 0 to " + WeightedChoice.MAX_WEIGHT + ", got " + e.getValue());
                }
                given.put(name, n.intValue());
            }
        } else {
            throw new OptionException(prefix(key) + "must be a list of " + what + "s or a map of " + what
                    + " to weight, got " + quoted(value) + "; valid " + what + "s: " + String.join(", ", valid));
        }
        Map<String, Integer> weights = new LinkedHashMap<>();
        valid.forEach(name -> weights.put(name, given.getOrDefault(name, 0)));
        if (weights.values().stream().allMatch(w -> w == 0)) {
            throw new OptionException(prefix(key) + "needs at least one " + what
                    + " with a weight above 0; valid: " + String.join(", ", valid));
        }
        return new WeightedChoice(weights);
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    }

    /**
     * Runs a settings constructor, prefixing its validation message (which names the key) with the task.
     *
     * @param <T> the settings type
     * @param build builds and validates the settings
     * @return the settings
     * @throws IllegalArgumentException naming the task and the key
     */
    public <T> T validated(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (OptionException e) {
            throw e; // already names the task and the key
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task " + task + ": task_options." + e.getMessage(), e);
        }
    }

    /** An error this class raised, which already names the task and the key. */
    private static final class OptionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        OptionException(String message) {
            super(message);
        }
    }
}
