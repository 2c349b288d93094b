package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command, scaled down: {@code bin/mr1 demo} with few items and steps runs
 * every stage (generation, SFT, evaluation with sampling, GRPO-D, report) and writes the
 * summary the README promises. The full-size run is measured by hand (docs/DEMO.md).
 */
class DemoIT {

    @Test
    void aScaledDownDemoRunsEveryStageAndWritesTheSummary(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        var r = mr1(tmp, "demo", "--out", out.toString(), "--sft-steps", "6", "--grpo-steps", "2", "--train-items",
                "24", "--eval-items", "8");
        assertEquals(0, r.status(), r.err());
        // The headline first: sampled pass@1 before -> after with its paired test, greedy accuracy beside it.
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("sampled pass@1 (4 samples per item, T=1.0) on 8 held-out items: "), r.out());
        assertTrue(lines[0].matches(".*p (= |< ).*") && lines[0].contains("95% CI"), r.out());
        assertTrue(r.out().contains("greedy accuracy on 8 held-out items: "), r.out());
        assertTrue(r.out().contains("exact McNemar test"), r.out());
        JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
        for (String key : new String[] {"accuracy_before", "accuracy_after", "sampled_accuracy_before",
            "sampled_accuracy_after", "format_rate_before", "format_rate_after", "steps", "seconds"}) {
            assertTrue(summary.has(key), "summary.json lacks " + key + ": " + summary);
        }
        for (String figure : new String[] {"sampled_accuracy", "accuracy"}) {
            double p = summary.get(figure + "_p_value").getAsDouble();
            assertTrue(p > 0 && p <= 1, figure + " p-value: " + p);
            for (String side : new String[] {"_before", "_after"}) {
                double value = summary.get(figure + side).getAsDouble();
                var ci = summary.get(figure + side + "_ci95").getAsJsonArray();
                assertTrue(ci.get(0).getAsDouble() <= value && value <= ci.get(1).getAsDouble(),
                        figure + side + " outside its interval: " + summary);
            }
            assertTrue(summary.has(figure + "_change_ci95") && summary.has(figure + "_test"), summary.toString());
        }
        assertEquals(2, summary.get("steps").getAsInt());
        assertEquals(8, summary.get("eval_items").getAsInt());
        double before = summary.get("accuracy_before").getAsDouble();
        assertTrue(before >= 0 && before <= 1, "accuracy is a fraction: " + before);
        assertEquals(4, summary.get("samples_per_item").getAsInt());
        String report = Files.readString(out.resolve("grpo/report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("sampled pass@1"), "the report shows the sampled pass@1");
        assertTrue(report.contains("Before and after, paired over the same items") && report.contains("p-value"),
                "the report shows the paired statistics");
        assertTrue(Files.isRegularFile(out.resolve("grpo/eval/step-2.json")), "per-item outputs after GRPO-D");
        assertTrue(Files.isDirectory(out.resolve("sft/checkpoints/step-6/policy")));
    }
}
