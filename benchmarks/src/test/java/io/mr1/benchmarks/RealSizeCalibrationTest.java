package io.mr1.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Doctor's per-pass memory terms ({@code MemoryEstimate}) against what the PyTorch engine
 * allocates, measured: a random 163 M-parameter Qwen2-VL (the 2B model's vision width of 1280
 * with 2 blocks, a 4-layer decoder of width 512, the full 151936-row vocabulary) in a child JVM,
 * a 640x480 image at R1-V's max_pixels 401408 (1564 patches), greedy decoding of 4 rows and a
 * scoring pass of 64 completions of 64 tokens. Each pass's peak RSS growth must lie within
 * [0.75, 1.15] of doctor's estimate for it. The image encoding dominates the forward and decoding
 * passes (measured 0.58 GiB, doctor 0.60 GiB for one vision block at a time; holding both blocks'
 * intermediates, as before block scopes, would be about twice that and fail); the caches, one
 * decoder layer's intermediates and the chunked logits dominate the scoring pass (measured 0.74
 * GiB, doctor 0.79 GiB). About 3.3 GiB of RSS in all and about two minutes.
 */
class RealSizeCalibrationTest {

    static final double LOW = 0.75;
    static final double HIGH = 1.15;

    @Test
    void eachPassPeaksWithinTheBandOfDoctorsEstimate(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report.json");
        RealSizeBenchmark.Options o = RealSizeBenchmark.Options.parse("--dir", tmp.resolve("model").toString(),
                "--out", out.toString(), "--decode-tokens", "8", "--generations", "4", "--score-rows", "64",
                "--score-length", "64",
                "--set", "hidden_size=512", "--set", "intermediate_size=2048", "--set", "num_hidden_layers=4",
                "--set", "num_attention_heads=8", "--set", "num_key_value_heads=2", "--set", "mrope_section=[8,12,12]",
                "--set", "vision_config.depth=2", "--set", "vision_config.hidden_size=512");
        assertEquals(0, RealSizeBenchmark.run(o, List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch")));
        JsonObject r = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(1564, r.get("imagePatches").getAsInt());
        JsonObject passes = r.getAsJsonObject("passes");
        assertEquals(3, passes.size());
        for (String name : passes.keySet()) {
            JsonObject pass = passes.getAsJsonObject(name);
            assertTrue(pass.get("peakReset").getAsBoolean(), "VmHWM could not be reset: the peaks are not per pass");
            double ratio = pass.get("measuredOverDoctor").getAsDouble();
            assertTrue(ratio >= LOW && ratio <= HIGH, name + " pass: measured " + pass.get("peakGrowthBytes")
                    + " bytes, doctor " + pass.get("doctorBytes") + " (ratio " + ratio + ", band [" + LOW + ", "
                    + HIGH + "])");
        }
    }
}
