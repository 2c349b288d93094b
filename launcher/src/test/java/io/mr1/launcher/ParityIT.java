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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mr1 doctor --parity} through the real launcher with both backends installed: a
 * checkpoint written by a one-step run scores the same on PyTorch and TensorFlow, and an
 * impossible tolerance fails with exit status 1.
 */
class ParityIT {

    @Test
    void bothBackendsScoreACheckpointAlike(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, TrainingIT.SMALL_GRPO.replace("steps: 6", "steps: 1")
                .replace("checkpoint_every: 2", "checkpoint_every: 1"), StandardCharsets.UTF_8);
        Path out = tmp.resolve("run");
        var train = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
        assertEquals(0, train.status(), train.err());
        Path checkpoint = out.resolve("checkpoints/step-1/policy");

        var parity = mr1(tmp, "doctor", "--parity", checkpoint.toString(), "--json");
        assertEquals(0, parity.status(), parity.out() + parity.err());
        JsonObject report = JsonParser.parseString(parity.out()).getAsJsonObject();
        assertTrue(report.get("tokens").getAsLong() > 0, parity.out());
        JsonArray pairs = report.getAsJsonArray("pairs");
        assertEquals(1, pairs.size(), parity.out());
        JsonObject pair = pairs.get(0).getAsJsonObject();
        assertEquals("pytorch", pair.get("a").getAsString());
        assertEquals("tensorflow", pair.get("b").getAsString());
        double scaled = pair.get("max_scaled_diff").getAsDouble();
        assertTrue(scaled < 1e-4, "pytorch vs tensorflow: " + scaled);
        System.out.println("doctor --parity: " + parity.out());

        var text = mr1(tmp, "doctor", "--parity", checkpoint.toString());
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("pytorch vs tensorflow: largest log-prob difference"), text.out());

        // A tolerance no float computation meets (unless both are bit-identical) must fail.
        if (pair.get("max_abs_diff").getAsDouble() > 0) {
            var strict = mr1(tmp, "doctor", "--parity", checkpoint.toString(), "--tolerance", "0");
            assertEquals(1, strict.status(), strict.out());
            assertTrue(strict.err().contains("beyond the tolerance"), strict.err());
        }
        var bad = mr1(tmp, "doctor", "--parity", tmp.resolve("missing").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("not a checkpoint folder"), bad.err());
    }
}
