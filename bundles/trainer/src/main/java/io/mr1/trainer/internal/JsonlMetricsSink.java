package io.mr1.trainer.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.types.StepStats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends one JSON object per step to {@code metrics.jsonl} ({@code {"step": s, ...values}}),
 * flushed every line so a killed run loses at most the line being written.
 */
public final class JsonlMetricsSink implements MetricsSink {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final BufferedWriter writer;

    /**
     * Opens the file for appending.
     *
     * @param file metrics.jsonl
     * @throws IOException if it cannot be opened
     */
    public JsonlMetricsSink(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * Keeps only the lines of steps before {@code step}, rewriting the file atomically.
     * A resumed run starts at its checkpoint's step; lines written after that checkpoint by
     * the interrupted run (and a torn last line) are dropped, so the file reads as one
     * uninterrupted run.
     *
     * @param file metrics.jsonl
     * @param step the first step the resumed run will write
     * @throws IOException if the file cannot be rewritten
     */
    public static void truncateFrom(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> kept = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(line -> {
                    try {
                        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                        return o.get("step").getAsLong() < step;
                    } catch (RuntimeException tornOrForeign) {
                        return false;
                    }
                }).toList();
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The JSON line for one step.
     *
     * @param stats the step's metrics
     * @return one line of JSON
     */
    public static String toJson(StepStats stats) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", stats.step());
        row.putAll(stats.values());
        return GSON.toJson(row);
    }

    @Override
    public void accept(StepStats stats) throws IOException {
        writer.write(toJson(stats));
        writer.newLine();
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
