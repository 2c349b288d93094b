package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.tensorboard.EventFileReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report_to: [tensorboard] through the real launcher: the run's event file read back. */
class TensorboardIT {

    @Test
    void aRunWithReportToTensorboardWritesEveryMetricTheBetaCurveAndSamples(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, TrainingIT.SMALL_GRPO.replace("steps: 6", "steps: 4")
                .replace("samples_every: 1", "samples_every: 2") + "report_to: [tensorboard]\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("run");
        var run = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        List<Path> files;
        try (var list = Files.list(out.resolve("tensorboard"))) {
            files = list.toList();
        }
        assertEquals(1, files.size(), files.toString());
        assertTrue(files.get(0).getFileName().toString().startsWith("events.out.tfevents."));
        EventFileReader.Contents contents = EventFileReader.read(files.get(0));
        assertFalse(contents.torn());
        List<EventFileReader.Entry> events = contents.result();
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        List<JsonObject> metrics = Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        List<EventFileReader.Entry> scalarEvents = events.stream().filter(e -> !e.scalars().isEmpty()).toList();
        assertEquals(4, scalarEvents.size(), "one scalar event per step");
        for (int step = 0; step < 4; step++) {
            EventFileReader.Entry e = scalarEvents.get(step);
            assertEquals(step, e.step());
            JsonObject m = metrics.get(step);
            for (String key : m.keySet()) {
                // Records that are not numbers (the backend's name, reward_bundles) are not scalars.
                if (key.equals("step") || !m.get(key).isJsonPrimitive() || !m.get(key).getAsJsonPrimitive().isNumber()
                        || !Double.isFinite(m.get(key).getAsDouble())) {
                    continue;
                }
                assertEquals((float) m.get(key).getAsDouble(), e.scalars().get("train/" + key), 0f,
                        "train/" + key + " at step " + step);
            }
            assertTrue(e.scalars().containsKey("train/beta"), "the beta curve: " + e.scalars().keySet());
        }
        List<EventFileReader.Entry> samples = events.stream().filter(e -> e.texts().containsKey("samples")).toList();
        assertEquals(List.of(0L, 2L), samples.stream().map(EventFileReader.Entry::step).toList(), "samples_every: 2");
        assertTrue(samples.get(0).texts().get("samples").contains("| completion | reward |"));
        assertTrue(events.stream().anyMatch(e -> "step 0: backend pytorch".equals(e.texts().get("backend"))));
    }
}
