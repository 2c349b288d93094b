package io.mr1.trainer.run;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one level of a configuration map, remembering which keys were read, so that a
 * misspelt key is an error that names its full path and lists the valid keys.
 */
final class ConfigSection {

    private final String source;
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> known = new LinkedHashSet<>();
    private final Map<String, String> givenAs;

    ConfigSection(String source, String path, Map<String, Object> values) {
        this(source, path, values, Map.of());
    }

    /**
     * @param givenAs key path to the name the user wrote it as (a TRL name), for messages
     */
    ConfigSection(String source, String path, Map<String, Object> values, Map<String, String> givenAs) {
        this.source = source;
        this.path = path;
        this.values = values == null ? Map.of() : values;
        this.givenAs = givenAs;
    }

    private String key(String name) {
        String full = path.isEmpty() ? name : path + "." + name;
        String as = givenAs.get(full);
        return as == null ? full : as + " (" + full + ")";
    }

    ConfigException error(String name, String message) {
        return new ConfigException(source + ": " + key(name) + ": " + message);
    }

    boolean has(String name) {
        known.add(name);
        return values.containsKey(name) && values.get(name) != null;
    }

    Object raw(String name) {
        known.add(name);
        return values.get(name);
    }

    String string(String name, String fallback) throws ConfigException {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Map || v instanceof List) {
            throw error(name, "must be a string");
        }
        return v.toString();
    }

    String require(String name) throws ConfigException {
        String v = string(name, null);
        if (v == null || v.isBlank()) {
            throw error(name, "is required");
        }
        return v;
    }

    String choice(String name, String fallback, List<String> valid) throws ConfigException {
        String v = string(name, fallback);
        if (v != null && !valid.contains(v)) {
            throw error(name, "'" + v + "' is not one of " + String.join(", ", valid));
        }
        return v;
    }

    double number(String name, double fallback) throws ConfigException {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw error(name, "must be a number, got '" + v + "'");
        }
    }

    /** A finite number (NaN and infinities are errors). */
    double finite(String name, double fallback) throws ConfigException {
        double v = number(name, fallback);
        if (!Double.isFinite(v)) {
            throw error(name, "must be a finite number, got " + v);
        }
        return v;
    }

    double number(String name, double fallback, double min, double max) throws ConfigException {
        double v = number(name, fallback);
        if (!(v >= min && v <= max)) {
            throw error(name, "must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    long integer(String name, long fallback, long min) throws ConfigException {
        return integer(name, fallback, min, MAX_WHOLE);
    }

    /** The largest whole number a double holds exactly (2^53): above it, 1e30 and the like are not counts. */
    static final long MAX_WHOLE = 1L << 53;

    /**
     * A whole number in [min, max]: 1e30 steps or a length that overflows an int is an error here,
     * not a stack trace (or a run that never ends) after the run folder exists.
     */
    long integer(String name, long fallback, long min, long max) throws ConfigException {
        Object given = raw(name);
        double v = number(name, fallback);
        if (v != Math.rint(v) || v < min || v > max) {
            throw error(name, "must be a whole number in [" + min + ", " + max + "], got "
                    + (given instanceof String || given instanceof Number ? given : v));
        }
        return (long) v;
    }

    /**
     * An int-valued whole number in [min, max] (max at most Integer.MAX_VALUE).
     */
    int integerInt(String name, int fallback, int min, int max) throws ConfigException {
        return (int) integer(name, fallback, min, max);
    }

    boolean bool(String name, boolean fallback) throws ConfigException {
        Object v = raw(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw error(name, "must be true or false, got '" + v + "'");
    }

    @SuppressWarnings("unchecked")
    ConfigSection section(String name) throws ConfigException {
        Object v = raw(name);
        if (v != null && !(v instanceof Map)) {
            throw error(name, "must be a section (a map of keys)");
        }
        return new ConfigSection(source, path.isEmpty() ? name : path + "." + name, (Map<String, Object>) v, givenAs);
    }

    Map<String, Object> values() {
        return values;
    }

    /** Fails on any key that was never read. */
    void finish() throws ConfigException {
        List<String> unknown = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(source + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + unknown.stream().map(this::key).toList() + "; valid keys" + (path.isEmpty() ? "" : " in " + path)
                    + ": " + String.join(", ", known));
        }
    }
}
