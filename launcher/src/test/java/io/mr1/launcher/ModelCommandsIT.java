package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mr1 doctor --model} and {@code mr1 inspect} through the real bin/mr1 on the shared
 * transformers fixture (../shared/fixtures/qwen2vl-hf): its README gives the parameter count,
 * image-processor.json and forward-synthetic.json what transformers computed.
 */
class ModelCommandsIT {

    private static final Path FIXTURE = Path.of("../../shared/fixtures/qwen2vl-hf");
    private static final Path MODEL = FIXTURE.resolve("qwen2vl-tiny-pub");
    private static final Path IMAGES = Path.of("../../shared/data/real/superclevr-samples/images");

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void doctorCountsTheParametersAndJudgesTheMemory(@TempDir Path logs) throws Exception {
        var r = mr1(logs, "doctor", "--model", MODEL.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject report = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(450_384, report.get("parameters").getAsLong(), "the fixture README's count");
        assertEquals(0, report.getAsJsonArray("problems").size(), report.toString());
        assertTrue(report.getAsJsonArray("ignored_config_keys").toString().contains("sliding_window"));
        assertEquals(3, report.getAsJsonObject("architecture").get("layers").getAsInt());
        JsonObject memory = report.getAsJsonObject("memory");
        assertEquals("fits", memory.get("verdict").getAsString());
        assertEquals(450_384L * 4, memory.get("weights").getAsLong());
        assertEquals(450_384L * 8, memory.get("adam_moments").getAsLong());

        var tight = mr1(logs, "doctor", "--model", MODEL.toString(), "--device-memory", "0.3", "--batch", "2",
                "--generations", "8", "--max-length", "512");
        assertEquals(1, tight.status(), tight.out() + tight.err());
        assertTrue(tight.out().contains("Parameters   450,384") && tight.out().contains("does not fit")
                && tight.out().contains("grpo.micro_batch_size"), tight.out());

        var broken = mr1(logs, "doctor", "--model", logs.toString());
        assertEquals(1, broken.status());
        assertTrue(broken.err().contains("config.json"), broken.err());
    }

    @Test
    void inspectImagePrintsWhatTransformersComputed(@TempDir Path logs) throws Exception {
        JsonObject expected = json(FIXTURE.resolve("image-processor.json")).getAsJsonObject("images")
                .getAsJsonObject("superCLEVR_new_000000.png").getAsJsonObject("default");
        var r = mr1(logs, "inspect", "image", "--model", MODEL.toString(), "--image",
                IMAGES.resolve("superCLEVR_new_000000.png").toString(), "--max-pixels", "401408", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(expected.get("resized_hw"), got.get("resized"));
        assertEquals(expected.get("grid_thw"), got.get("grid_thw"));
        assertEquals(expected.get("shape"), got.get("shape"));
        assertEquals(34 * 46 / 4, got.get("image_tokens").getAsInt());
        assertEquals(expected.get("sum").getAsDouble(), got.get("sum").getAsDouble(), 1e-3);
        assertEquals(expected.get("abs_sum").getAsDouble(), got.get("abs_sum").getAsDouble(), 1e-3);
    }

    /** A float32 .npy (version 1, little endian, C order) as rows. */
    private static JsonArray npyRows(Path file, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = b.getShort(8) & 0xffff;
        String header = new String(b.array(), 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'<f4'") && header.contains("False"), header);
        b.position(10 + headerLength);
        JsonArray rows = new JsonArray();
        while (b.hasRemaining()) {
            JsonArray row = new JsonArray();
            for (int c = 0; c < cols; c++) {
                row.add(b.getFloat());
            }
            rows.add(row);
        }
        return rows;
    }

    @Test
    void inspectForwardWritesTheLogitsTransformersComputed(@TempDir Path tmp) throws Exception {
        JsonObject fx = json(FIXTURE.resolve("forward-synthetic.json"));
        JsonObject input = new JsonObject();
        input.add("input_ids", fx.get("input_ids"));
        input.add("image_grid_thw", fx.getAsJsonArray("image_grid_thw").get(0).isJsonArray()
                ? fx.getAsJsonArray("image_grid_thw").get(0) : fx.get("image_grid_thw"));
        input.add("pixel_values", npyRows(FIXTURE.resolve("forward-synthetic-pixel-values.npy"), 1176));
        Files.writeString(tmp.resolve("in.json"), input.toString());
        Path out = tmp.resolve("out.json");
        var r = mr1(tmp, "inspect", "forward", "--model", MODEL.toString(), "--input", tmp.resolve("in.json").toString(),
                "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonArray logits = json(out).getAsJsonArray("logits");
        JsonArray expected = fx.getAsJsonArray("logits");
        assertEquals(expected.size(), logits.size(), "one row per input position");
        double maxDiff = 0;
        for (int t = 0; t < expected.size(); t++) {
            JsonArray e = expected.get(t).getAsJsonArray();
            JsonArray g = logits.get(t).getAsJsonArray();
            assertEquals(e.size(), g.size());
            for (int j = 0; j < e.size(); j++) {
                maxDiff = Math.max(maxDiff, Math.abs(e.get(j).getAsDouble() - g.get(j).getAsDouble()));
            }
        }
        assertTrue(maxDiff <= 1e-5, "logits max abs diff " + maxDiff + " (the fixture's tolerance is 1e-5)");

        input.addProperty("image_grid_thw", "wide");
        Files.writeString(tmp.resolve("bad.json"), input.toString());
        var bad = mr1(tmp, "inspect", "forward", "--model", MODEL.toString(), "--input",
                tmp.resolve("bad.json").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("bad.json") && bad.err().contains("image_grid_thw"), bad.err());
    }
}
