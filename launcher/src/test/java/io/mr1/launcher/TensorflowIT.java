package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TensorFlow backend inside the real launcher: healthy offline beside PyTorch, and it trains. */
class TensorflowIT {

    @Test
    void doctorReportsTensorflowBesidePytorch(@TempDir Path logs) throws Exception {
        var doctor = mr1(logs, "doctor", "--json");
        assertEquals(0, doctor.status(), doctor.err());
        JsonArray backends = JsonParser.parseString(doctor.out()).getAsJsonObject().getAsJsonArray("backends");
        JsonObject tf = null;
        for (int i = 0; i < backends.size(); i++) {
            JsonObject b = backends.get(i).getAsJsonObject();
            assertEquals("passed", b.get("smoke_test").getAsString(), b.get("name").getAsString());
            if (b.get("name").getAsString().equals("tensorflow")) {
                tf = b;
            }
        }
        assertTrue(tf != null, "tensorflow is reported: " + doctor.out());
        assertEquals("2.18.0", tf.get("engine_version").getAsString());
        assertEquals("cpu", tf.get("flavour").getAsString());
    }

    @Test
    void trainsAFewGrpoStepsWithBackendTensorflow(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, TrainingIT.SMALL_GRPO.replace("steps: 6", "steps: 3")
                .replace("checkpoint_every: 2", "checkpoint_every: 3") + "backend: tensorflow\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("run");
        var run = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size(), "one metrics line per step");
        for (String line : metrics) {
            JsonObject m = JsonParser.parseString(line).getAsJsonObject();
            double loss = m.get("loss").getAsDouble();
            assertTrue(Double.isFinite(loss), "finite loss: " + line);
            assertTrue(m.has("engine/graph_builds") && m.has("engine/graph_build_seconds"),
                    "each step records TensorFlow's graph builds: " + line);
        }
        System.out.println("graph builds per step: " + metrics.stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject().get("engine/graph_builds").getAsString()).toList());
        assertTrue(JsonParser.parseString(metrics.get(0)).getAsJsonObject().get("engine/graph_builds").getAsDouble() >= 2,
                "the first step builds the scoring and training graphs");
        assertTrue(Files.isRegularFile(out.resolve("checkpoints/step-3/policy/model.safetensors")), "final checkpoint");
        assertTrue(Files.readString(out.resolve("run-config.json")).contains("tensorflow")
                || run.err().contains("tensorflow"), "the run says which backend trained it");
    }
}
