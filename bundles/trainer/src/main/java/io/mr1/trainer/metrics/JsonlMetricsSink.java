package io.mr1.trainer.metrics;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.backend.Policy;
import io.mr1.api.types.StepStats;
import io.mr1.core.io.AtomicFiles;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends one JSON object per step to {@code metrics.jsonl} ({@code {"step": s, ...values}}),
 * flushed every line so a killed run loses at most the line being written. When training
 * begins (or resumes) it first drops the lines of steps at or after the starting step.
 */
public final class JsonlMetricsSink implements TrainingListener {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final Path file;
    private BufferedWriter writer;

    /**
     * Creates the sink; the file is opened when training begins.
     *
     * @param file metrics.jsonl
     */
    public JsonlMetricsSink(Path file) {
        this.file = file;
    }

    @Override
    public void onTrainingBegin(long startStep, long totalSteps) throws IOException {
        truncateFrom(file, startStep);
        writer = openForAppend(file);
    }

    /**
     * Opens a JSONL file for appending, creating it and its folder.
     *
     * @param file the file
     * @return a writer at its end
     * @throws IOException if it cannot be opened
     */
    public static BufferedWriter openForAppend(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
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
        AtomicFiles.writeLines(file, kept);
    }

    /**
     * The JSON line for one step.
     *
     * @param stats the step's metrics
     * @return one line of JSON
     */
    public static String toJson(StepStats stats) {
        return toJson(stats, Map.of());
    }

    /**
     * The JSON line for one step with its non-numeric records after the numbers.
     *
     * @param stats the step's metrics
     * @param records other values of the step (maps, text)
     * @return one line of JSON
     */
    public static String toJson(StepStats stats, Map<String, Object> records) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", stats.step());
        row.putAll(stats.values());
        row.putAll(records);
        return GSON.toJson(row);
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
        writer.write(toJson(outcome.stats(), outcome.records()));
        writer.newLine();
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
        }
    }
}
