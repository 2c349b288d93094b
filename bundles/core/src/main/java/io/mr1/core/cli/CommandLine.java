package io.mr1.core.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: boolean flags, options with values ({@code --steps 100} or
 * {@code --steps=100}; repeatable ones collect every value) and positional arguments.
 * Unknown flags are errors that list the valid ones.
 */
public final class CommandLine {

    private final Set<String> flags = new LinkedHashSet<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private CommandLine() {
    }

    /**
     * Parses arguments.
     *
     * @param args the arguments after the command name
     * @param booleanFlags flags that take no value, e.g. {@code --json}
     * @param valuedOptions options that take a value, e.g. {@code --steps}
     * @return the parsed line
     * @throws UsageException for an unknown flag or a missing value
     */
    public static CommandLine parse(String[] args, Set<String> booleanFlags, Set<String> valuedOptions)
            throws UsageException {
        CommandLine line = new CommandLine();
        boolean onlyPositional = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (onlyPositional || !arg.startsWith("--") || arg.equals("-")) {
                if (!onlyPositional && arg.startsWith("-") && !arg.equals("-") && arg.length() > 1) {
                    throw new UsageException("unknown option '" + arg + "'; valid options: "
                            + validList(booleanFlags, valuedOptions));
                }
                line.positional.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                onlyPositional = true;
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (booleanFlags.contains(name)) {
                if (value != null) {
                    throw new UsageException("option " + name + " takes no value");
                }
                line.flags.add(name);
            } else if (valuedOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                line.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option '" + name + "'; valid options: "
                        + validList(booleanFlags, valuedOptions));
            }
        }
        return line;
    }

    private static String validList(Set<String> booleanFlags, Set<String> valuedOptions) {
        List<String> all = new ArrayList<>(booleanFlags);
        all.addAll(valuedOptions);
        all.add("--help");
        return String.join(", ", all);
    }

    /**
     * @param flag e.g. {@code --json}
     * @return whether the flag was given
     */
    public boolean has(String flag) {
        return flags.contains(flag) || options.containsKey(flag);
    }

    /**
     * The last value of an option.
     *
     * @param option e.g. {@code --steps}
     * @return the value, or null when absent
     */
    public String value(String option) {
        List<String> values = options.get(option);
        return values == null ? null : values.get(values.size() - 1);
    }

    /**
     * Every value of a repeatable option.
     *
     * @param option e.g. {@code --set}
     * @return the values in order, empty when absent
     */
    public List<String> values(String option) {
        return options.getOrDefault(option, List.of());
    }

    /**
     * A required option.
     *
     * @param option the option
     * @return its value
     * @throws UsageException when absent
     */
    public String require(String option) throws UsageException {
        String v = value(option);
        if (v == null) {
            throw new UsageException("missing required option " + option);
        }
        return v;
    }

    /**
     * A long-valued option.
     *
     * @param option the option
     * @param fallback value when absent
     * @return the parsed value
     * @throws UsageException when the value is not an integer
     */
    public long longValue(String option, long fallback) throws UsageException {
        String v = value(option);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option " + option + " needs an integer, got '" + v + "'");
        }
    }

    /**
     * A number-valued option.
     *
     * @param option the option
     * @param fallback value when absent
     * @return the parsed value
     * @throws UsageException when the value is not a finite number
     */
    public double doubleValue(String option, double fallback) throws UsageException {
        String v = value(option);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("option " + option + " needs a number, got '" + v + "'");
    }

    /** @return positional arguments in order */
    public List<String> positional() {
        return List.copyOf(positional);
    }

    /**
     * Parses {@code key=value} pairs (from repeated {@code --set}).
     *
     * @param option the option holding the pairs
     * @return key to value, in order
     * @throws UsageException when a pair has no '=' or an empty key
     */
    public Map<String, String> keyValues(String option) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : values(option)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(option + " needs key=value, got '" + pair + "'");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }
}
