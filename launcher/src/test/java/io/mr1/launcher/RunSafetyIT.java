package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 through the real bin/mr1: validation before the first write, and resume that never damages a run. */
class RunSafetyIT {

    private static final String GRPO = TrainingIT.SMALL_GRPO;

    @Test
    void inputsThatUsedToPassValidationFailBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("ok.png");
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        byte[] bytes = Files.readAllBytes(png);
        Path cut = tmp.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 20));
        String item = "{\"image\": \"%s\", \"problem\": \"How many?\", \"solution\": \"<answer> 3 </answer>\"}\n";
        Path truncatedData = tmp.resolve("truncated.jsonl");
        Files.writeString(truncatedData, String.format(item, png) + String.format(item, cut));
        Path noWeights = Files.createDirectories(tmp.resolve("no-weights"));
        Files.writeString(noWeights.resolve("config.json"), "{");
        String data = "data: {train_generate: 12, eval_generate: 0}";
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {GRPO.replace("steps: 6", "steps: 1e30"), "steps: must be a whole number in [1, "});
        cases.add(new String[] {GRPO.replace("steps: 6", "steps: 0"), "steps: must be a whole number in [1, "});
        cases.add(new String[] {GRPO.replace("max_completion_length: 8", "max_completion_length: 2147483647"),
            "grpo.max_completion_length: must be a whole number in [1, 32768], got 2147483647"});
        cases.add(new String[] {GRPO.replace("batch_size: 2", "batch_size: 4294967296"),
            "batch_size: must be a whole number in [1, 65536]"});
        cases.add(new String[] {GRPO + "device: tpu\n", "device: 'tpu' is not a device; valid: cpu, cuda"});
        cases.add(new String[] {GRPO.replace("num_generations: 4", "num_generations: 1"),
            "grpo.num_generations: must be a whole number in [2, "});
        cases.add(new String[] {GRPO.replace("accuracy: 1.0", "accuracy: .nan"), "rewards.accuracy: must be in ["});
        cases.add(new String[] {GRPO.replace(data, "data: {train: " + truncatedData + ", eval_generate: 0}"),
            "item truncated.jsonl:2: image " + cut + ": truncated PNG"});
        cases.add(new String[] {GRPO.replace(data, "data: {train: " + truncatedData + ", eval_generate: 0,"
                + " max_image_pixels: 1000}"), "64 x 48 = 3,072 pixels is above data.max_image_pixels (1,000)"});
        cases.add(new String[] {GRPO.replace("model: {hidden_size: 64, layers: 2, image_size: 56}",
                "model: {checkpoint: " + noWeights + "}"), "model.checkpoint: " + noWeights.resolve("config.json")});
        cases.add(new String[] {GRPO.replace("batch_size: 2", "batch_size: [2"), "bad-10.yaml:"});
        int i = 0;
        for (String[] c : cases) {
            Path config = tmp.resolve("bad-" + i + ".yaml");
            Files.writeString(config, c[0], StandardCharsets.UTF_8);
            Path out = tmp.resolve("run-" + i++);
            var r = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
            assertEquals(2, r.status(), c[1] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), "message for case " + (i - 1) + ": " + r.err());
            assertFalse(Files.exists(out), "nothing may be written for bad input: " + out);
        }
    }

    private static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    private static void truncate(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void resumeFallsBackPastADamagedCheckpointOrChangesNothing(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, GRPO, StandardCharsets.UTF_8);
        Path straight = tmp.resolve("straight");
        var full = mr1(tmp, "train", "--config", config.toString(), "--out", straight.toString());
        assertEquals(0, full.status(), full.err());
        List<String> expected = TrainingIT.withoutWallTime(Files.readAllLines(straight.resolve("metrics.jsonl")));
        Path policy = straight.resolve("checkpoints/step-6/policy");
        assertTrue(Files.isRegularFile(policy.resolve("model.safetensors")), "layout this test damages");
        assertTrue(Files.isRegularFile(policy.resolve("optimizer.safetensors")), "layout this test damages");
        String[] corruptions = {"policy/model.safetensors", "policy/optimizer.safetensors", "empty", "garbage"};
        for (String corruption : corruptions) {
            Path run = tmp.resolve("damaged-" + corruption.replace('/', '-'));
            copy(straight, run);
            Path step6 = run.resolve("checkpoints/step-6");
            switch (corruption) {
                case "empty" -> Files.writeString(step6.resolve("trainer-state.json"), "");
                case "garbage" -> Files.writeString(step6.resolve("trainer-state.json"), "{\"step\": [[");
                default -> truncate(step6.resolve(corruption));
            }
            var resumed = mr1(tmp, "train", "--resume", run.toString());
            assertEquals(0, resumed.status(), corruption + ": " + resumed.err());
            assertTrue(resumed.err().contains("checkpoint step-6 does not verify")
                    && resumed.err().contains("using step-4"), resumed.err());
            assertEquals(expected, TrainingIT.withoutWallTime(Files.readAllLines(run.resolve("metrics.jsonl"))),
                    corruption + ": the same metrics as the uninterrupted run");
        }
        // No checkpoint verifies: exit 2, a message naming each, and the folder byte for byte as it was.
        Path hopeless = tmp.resolve("hopeless");
        copy(straight, hopeless);
        for (String step : List.of("step-2", "step-4", "step-6")) {
            truncate(hopeless.resolve("checkpoints/" + step + "/policy/model.safetensors"));
        }
        Map<String, byte[]> before = snapshot(hopeless);
        var refused = mr1(tmp, "train", "--resume", hopeless.toString());
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("none of the 3 checkpoint(s)") && refused.err().contains("nothing was changed"),
                refused.err());
        Map<String, byte[]> after = snapshot(hopeless);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertTrue(Arrays.equals(v, after.get(k)), k + " changed"));
    }

    @Test
    void anOutFolderThatCannotBeCreatedIsNamedWithTheReasonAndAHint(@TempDir Path tmp) throws Exception {
        // Tests may run as root, whom permissions do not stop: the folder goes under a plain file
        // instead, which fails through the same FileSystemException as a folder without write access.
        Path file = tmp.resolve("not-a-folder");
        Files.writeString(file, "x", StandardCharsets.UTF_8);
        Path config = tmp.resolve("grpo.yaml");
        Files.writeString(config, GRPO, StandardCharsets.UTF_8);
        var r = mr1(tmp, "train", "--config", config.toString(), "--out", file.resolve("run").toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("mr1 train: cannot write " + file)
                && r.err().contains("(choose an --out folder you may write to)"), r.err());
        assertEquals("x", Files.readString(file), "nothing written");
    }
}
