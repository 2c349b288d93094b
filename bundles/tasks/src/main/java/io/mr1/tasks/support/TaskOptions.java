package io.mr1.tasks.support;

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
                throw new IllegalArgumentException(prefix(key) + "unknown option; valid: "
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
        throw new IllegalArgumentException(prefix(key) + "must be a whole number, got " + value);
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
        throw new IllegalArgumentException(prefix(key) + "must be a number, got " + value);
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
        throw new IllegalArgumentException(prefix(key) + "must be a string, got " + value);
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
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task " + task + ": task_options." + e.getMessage(), e);
        }
    }
}
