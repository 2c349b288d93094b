package io.mr1.trainer.metrics;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
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
 * Appends one JSON object per step to {@code metrics.jsonl} ({@code {"step": s, "backend":
 * NAME, ...values}}), flushed every line so a killed run loses at most the line being written.
 * A backend switch adds an event line before the first step on the new backend
 * ({@code {"step": s, "event": "backend_switch", "from": A, "to": B}}), a pause one with
 * {@code "event": "paused"} and the reason; event lines carry no metric values. When training
 * begins (or resumes) it first drops the lines of steps at or after the starting step.
 */
public final class JsonlMetricsSink implements TrainingListener {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final Path file;
    private BufferedWriter writer;
    private String backend;

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
     * uninterrupted run. Event lines at the starting step stay: they happened before it (a
     * backend switch writes its checkpoint, then its event line).
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
                        long at = o.get("step").getAsLong();
                        // An event before the starting step (a switch at the checkpoint resumed from) stays.
                        return at < step || at == step && o.has(EVENT);
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
        return toJson(stats, null, Map.of());
    }

    /**
     * The JSON line for one step: its number, the backend that ran it, the numbers, then its
     * non-numeric records (maps, text).
     *
     * @param stats the step's metrics
     * @param backend the backend's name, or null to leave it out
     * @param records other values of the step
     * @return one line of JSON
     */
    public static String toJson(StepStats stats, String backend, Map<String, Object> records) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", stats.step());
        if (backend != null) {
            row.put(BACKEND, backend);
        }
        row.putAll(stats.values());
        row.putAll(records);
        return GSON.toJson(row);
    }

    /** Key of the backend that ran a step. */
    public static final String BACKEND = "backend";
    /** Key of an event line's kind ({@code backend_switch}, {@code paused}). */
    public static final String EVENT = "event";

    @Override
    public void onBackend(long step, String from, PolicyBackend to) throws IOException {
        backend = to.name();
        if (from != null && !from.equals(backend)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put(EVENT, "backend_switch");
            row.put("from", from);
            row.put("to", backend);
            writeLine(GSON.toJson(row));
        }
    }

    @Override
    public void onPause(long step, String message) throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put(EVENT, "paused");
        row.put("reason", message);
        writeLine(GSON.toJson(row));
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
        writeLine(toJson(outcome.stats(), backend, outcome.records()));
    }

    private void writeLine(String line) throws IOException {
        writer.write(line);
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
