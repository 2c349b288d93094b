package io.mr1.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.models.Checkpoints;
import io.mr1.models.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-size benchmark end to end at a reduced size (Qwen2-VL-2B-Instruct's config with one
 * decoder layer of width 64 and one vision block of width 32; the full vocabulary and the real
 * tokenizer), in a child JVM as the real run does.
 */
class RealSizeBenchmarkSmokeTest {

    @Test
    void writesTwoBf16ShardsAndMeasuresLoadForwardDecodeAndATrainingStep(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report.json");
        RealSizeBenchmark.Options o = RealSizeBenchmark.Options.parse("--dir", tmp.resolve("model").toString(),
                "--out", out.toString(), "--decode-tokens", "4", "--train", "--train-length", "16",
                "--set", "hidden_size=64", "--set", "intermediate_size=128", "--set", "num_hidden_layers=1",
                "--set", "num_attention_heads=4", "--set", "num_key_value_heads=2", "--set", "mrope_section=[2,3,3]",
                "--set", "vision_config.depth=1", "--set", "vision_config.embed_dim=32",
                "--set", "vision_config.num_heads=2", "--set", "vision_config.hidden_size=64");
        assertEquals(0, RealSizeBenchmark.run(o, List.of("-Xmx512m")));
        Map<String, SafeTensors.TensorInfo> tensors = Checkpoints.describeWeights(tmp.resolve("model"));
        tensors.values().forEach(t -> assertEquals("BF16", t.dtype()));
        try (var files = Files.list(tmp.resolve("model"))) {
            assertEquals(2, files.filter(f -> f.getFileName().toString().matches("model-0000[12]-of-00002\\.safetensors"))
                    .count(), "two shards");
        }
        JsonObject r = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(tensors.values().stream().mapToLong(SafeTensors.TensorInfo::elements).sum(),
                r.get("parameters").getAsLong());
        assertEquals(1564 / 4, r.get("imageTokens").getAsInt(), "640x480 at max_pixels 401408: 34 x 46 patches");
        assertEquals(64, r.get("questionTokens").getAsInt());
        assertTrue(r.get("loadSeconds").getAsDouble() > 0 && r.get("forwardSeconds").getAsDouble() > 0);
        assertTrue(r.get("decodeTokensPerSecond").getAsDouble() > 0);
        assertTrue(r.get("peakRssBytes").getAsLong() >= r.get("rssAfterLoadBytes").getAsLong());
        assertTrue(r.getAsJsonObject("doctor").get("weightsPlusReferenceBytes").getAsLong()
                == 8 * r.get("parameters").getAsLong());
        assertTrue(r.getAsJsonObject("train").get("stepSeconds").getAsDouble() > 0);
        // A second run with --keep measures the same folder without writing it again.
        long written = Files.getLastModifiedTime(tmp.resolve("model").resolve(Checkpoints.INDEX)).toMillis();
        RealSizeBenchmark.Options kept = RealSizeBenchmark.Options.parse(
                java.util.stream.Stream.concat(o.args().stream().filter(a -> !a.equals("--train")),
                        java.util.stream.Stream.of("--keep")).toArray(String[]::new));
        assertTrue(!RealSizeBenchmark.writeCheckpoint(kept));
        assertEquals(written, Files.getLastModifiedTime(tmp.resolve("model").resolve(Checkpoints.INDEX)).toMillis());
    }
}
