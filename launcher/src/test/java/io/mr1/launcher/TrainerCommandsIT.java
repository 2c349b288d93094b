package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's commands through the real bin/mr1, as the acceptance checks state them. */
class TrainerCommandsIT {

    @Test
    void pluginsListsTheSixSchedulesAndTheRewards(@TempDir Path logs) throws Exception {
        var r = mr1(logs, "plugins", "--json");
        assertEquals(0, r.status(), r.err());
        List<String> schedules = DistributionFixture.pluginNames(r.out(), "kl-schedule");
        assertEquals(List.of("adaptive", "constant", "cosine", "exponential", "grpo-d", "linear"), schedules);
        assertTrue(DistributionFixture.pluginNames(r.out(), "reward").containsAll(List.of("format", "accuracy")),
                r.out());
    }

    /** Paper Eq. 3, written out independently of the plugin. */
    private static double eq3(double s, double t, double min, double max, double w) {
        double mid = (min + max) / 2;
        return s <= w ? mid - (mid - min) * s / w : min + (max - min) * (s - w) / (t - w);
    }

    @Test
    void grpoDScheduleCsvMatchesEquationThree(@TempDir Path logs) throws Exception {
        var r = mr1(logs, "schedule", "grpo-d", "--steps", "100", "--set", "beta_min=0.04", "--set", "beta_max=0.1",
                "--set", "warmup_ratio=0.3", "--csv");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("step,beta", lines.get(0));
        assertEquals(102, lines.size(), "header + 101 rows");
        for (int s = 0; s <= 100; s++) {
            String[] cells = lines.get(s + 1).split(",");
            assertEquals(s, Integer.parseInt(cells[0]));
            assertEquals(eq3(s, 100, 0.04, 0.1, 30), Double.parseDouble(cells[1]), 1e-9, "s=" + s);
        }
    }

    @Test
    void schedulePngIsAnImageAndBadNamesOrKeysListTheValidOnes(@TempDir Path logs) throws Exception {
        Path png = logs.resolve("beta.png");
        var ok = mr1(logs, "schedule", "cosine", "--steps", "50", "--png", png.toString());
        assertEquals(0, ok.status(), ok.err());
        var image = ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() > 100, "PNG written");

        var unknown = mr1(logs, "schedule", "warp", "--steps", "5");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown KL schedule 'warp'") && unknown.err().contains("grpo-d"),
                unknown.err());
        var badKey = mr1(logs, "schedule", "grpo-d", "--steps", "5", "--set", "beta_mni=0.1");
        assertEquals(2, badKey.status());
        assertTrue(badKey.err().contains("'beta_mni'") && badKey.err().contains("beta_min"), badKey.err());
    }

    @Test
    void rewardsScoreScoresEachLineAndNamesTheBadLine(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"completion\": \"<think>two and one</think><answer>3</answer>\", \"solution\": 3}",
                "",
                "{\"completion\": \"3\", \"solution\": \"<answer> 3 </answer>\"}",
                "{\"completion\": \"<think>x</think> <answer>70.0</answer>\", \"solution\": \"70\\u00b0\"}"),
                StandardCharsets.UTF_8);
        var r = mr1(tmp, "rewards", "score", "--input", input.toString(), "--rewards", "format,accuracy");
        assertEquals(0, r.status(), r.err());
        List<String> rows = r.out().lines().toList();
        assertEquals(3, rows.size(), r.out());
        JsonObject first = JsonParser.parseString(rows.get(0)).getAsJsonObject();
        assertEquals(1, first.get("line").getAsInt());
        assertEquals(1.0, first.getAsJsonObject("scores").get("format").getAsDouble());
        assertEquals(1.0, first.getAsJsonObject("scores").get("accuracy").getAsDouble());
        assertEquals(2.0, first.get("total").getAsDouble());
        JsonObject second = JsonParser.parseString(rows.get(1)).getAsJsonObject();
        assertEquals(3, second.get("line").getAsInt());
        assertEquals(0.0, second.getAsJsonObject("scores").get("format").getAsDouble());
        assertEquals(0.0, second.getAsJsonObject("scores").get("accuracy").getAsDouble(), "no tags, no answer");
        JsonObject third = JsonParser.parseString(rows.get(2)).getAsJsonObject();
        assertEquals(1.0, third.getAsJsonObject("scores").get("accuracy").getAsDouble(), "70.0 equals 70 degrees");

        Files.writeString(input, "{\"completion\": \"a\", \"solution\": 1}\n{\"completion\": \"b\"\n",
                StandardCharsets.UTF_8);
        var bad = mr1(tmp, "rewards", "score", "--input", input.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains(input + ":2:"), bad.err());
        assertEquals("", bad.out(), "nothing printed for a file with a bad line");

        // Strict input (issue 9 item 7): invalid UTF-8, single quotes, duplicated keys and an empty
        // solution (which would make an empty answer score 1) each name the file and line.
        String good = "{\"completion\": \"a\", \"solution\": 1}\n";
        byte[] utf8 = (good + "{\"completion\": \"\u00ff\", \"solution\": 1}\n").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(input, utf8);
        var invalid = mr1(tmp, "rewards", "score", "--input", input.toString());
        assertEquals(1, invalid.status());
        assertTrue(invalid.err().contains(input + ":2: not valid UTF-8"), invalid.err());
        for (String line : List.of("{'completion': 'a', 'solution': 1}", "{\"completion\": a, \"solution\": 1}",
                "{\"completion\": \"a\", \"solution\": 1, \"solution\": 2}", "{\"completion\": \"\", \"solution\": \" \"}")) {
            Files.writeString(input, good + line + "\n", StandardCharsets.UTF_8);
            var strict = mr1(tmp, "rewards", "score", "--input", input.toString());
            assertEquals(1, strict.status(), line);
            assertTrue(strict.err().contains(input + ":2: "), strict.err());
            assertEquals("", strict.out(), line);
        }

        var unknown = mr1(tmp, "rewards", "score", "--input", input.toString(), "--rewards", "format,lenght");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown reward 'lenght'") && unknown.err().contains("format"),
                unknown.err());
    }
}
