package io.mr1.tasks.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mr1.core.cli.UsageException;
import io.mr1.core.jsonl.JsonLineException;
import io.mr1.core.jsonl.JsonLines;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The task options of {@code mr1 data generate} ({@code --options FILE.json}, then each
 * {@code --option KEY=VALUE} over it) and the record of a generation
 * ({@code generation.json}) that makes the data reproducible.
 */
final class GenerationOptions {

    /** The record written beside {@code data.jsonl}. */
    static final String RECORD = "generation.json";

    private static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private GenerationOptions() {
    }

    /**
     * Reads the options: the file's keys first, then each {@code --option} in order (a later
     * one replaces an earlier one with the same key).
     *
     * @param file the {@code --options} file, or null
     * @param pairs the {@code --option} values, {@code KEY=VALUE}
     * @return key to value as the task reads it (numbers, strings, booleans, lists, maps)
     * @throws UsageException naming the file or the pair that cannot be read
     */
    static Map<String, Object> read(Path file, List<String> pairs) throws UsageException {
        Map<String, Object> options = new LinkedHashMap<>();
        if (file != null) {
            options.putAll(file(file));
        }
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? "" : pair.substring(0, eq).trim();
            if (key.isEmpty()) {
                throw new UsageException("option --option needs KEY=VALUE, got '" + pair + "'");
            }
            options.put(key, value(pair.substring(eq + 1)));
        }
        return options;
    }

    private static Map<String, Object> file(Path file) throws UsageException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("option --options: cannot read " + file + " (" + e + ")");
        }
        JsonObject object;
        try {
            object = JsonLines.parseObject(text, file, 1);
        } catch (JsonLineException e) {
            throw new UsageException("option --options: " + file + " is not one strict JSON object of task options: "
                    + e.problem());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            if (e.getValue().isJsonNull()) {
                throw new UsageException("option --options: " + file + ": key " + e.getKey() + " is null; leave it"
                        + " out for the task's default");
            }
            out.put(e.getKey(), plain(e.getValue()));
        }
        return out;
    }

    /**
     * A value as the task reads it: strict JSON when the text is one JSON value (a number,
     * true or false, a list, a map, a quoted string), otherwise the text itself, so
     * {@code prompt_template=Q: {question}} needs no quoting.
     */
    static Object value(String text) {
        try {
            JsonObject wrapped = JsonLines.parseObject("{\"v\":" + text + "}", Path.of("--option"), 1);
            // One key only: text such as 1, "w": 2 is not one value.
            if (wrapped.size() == 1 && !wrapped.get("v").isJsonNull()) {
                return plain(wrapped.get("v"));
            }
        } catch (JsonLineException e) {
            // Not JSON: the text is the value.
        }
        return text;
    }

    /** JSON to the plain Java values a run config's YAML gives a task (whole numbers as Integer or Long). */
    private static Object plain(JsonElement e) {
        if (e.isJsonObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(m -> map.put(m.getKey(), plain(m.getValue())));
            return map;
        }
        if (e.isJsonArray()) {
            List<Object> list = new ArrayList<>();
            e.getAsJsonArray().forEach(item -> list.add(plain(item)));
            return list;
        }
        if (e.isJsonNull()) {
            return null;
        }
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        BigDecimal number = p.getAsBigDecimal();
        try {
            return number.intValueExact();
        } catch (ArithmeticException notInt) {
            try {
                return number.longValueExact();
            } catch (ArithmeticException notLong) {
                return number.doubleValue();
            }
        }
    }

    /**
     * Writes the record of a generation: task, count, seed and options, so that the same
     * command (with these options in an {@code --options} file) writes the same bytes.
     *
     * @param dir the output folder
     * @param task the task's name
     * @param count the number of items
     * @param seed the seed
     * @param options the options as given
     * @throws IOException if writing fails
     */
    static void writeRecord(Path dir, String task, int count, long seed, Map<String, Object> options)
            throws IOException {
        JsonObject record = new JsonObject();
        record.addProperty("task", task);
        record.addProperty("n", count);
        record.addProperty("seed", seed);
        record.add("options", PRETTY.toJsonTree(options));
        Files.writeString(dir.resolve(RECORD), PRETTY.toJson(record) + "\n", StandardCharsets.UTF_8);
    }
}
