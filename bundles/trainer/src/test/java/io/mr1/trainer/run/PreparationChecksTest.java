package io.mr1.trainer.run;

import io.mr1.core.io.ImageFiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the preparation pass checks before a run writes anything: images and the initial model folder. */
class PreparationChecksTest {

    private static Path image(Path dir, String name, String format, int w, int h) throws Exception {
        Path file = dir.resolve(name);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 31 + y * 17) * 0x010203);
            }
        }
        ImageIO.write(img, format, file.toFile());
        return file;
    }

    private static Path truncated(Path source, Path target) throws Exception {
        byte[] bytes = Files.readAllBytes(source);
        Files.write(target, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        return target;
    }

    /** A PNG whose header says 20000 x 20000 (the pixels need not exist to be refused). */
    private static Path hugePngHeader(Path file) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeBytes("IHDR");
        d.writeInt(20000);
        d.writeInt(20000);
        d.write(new byte[] {8, 2, 0, 0, 0});
        out.writeInt(13);
        out.write(ihdr.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(ihdr.toByteArray());
        out.writeInt((int) crc.getValue());
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private static Sample sample(String id, Path image) {
        return new Sample(new Prompt(id, "how many?", List.of(new ImageRef(image))), "how many?", "3",
                AnswerType.INTEGER);
    }

    private static RunConfig config(Path tmp, String extra) throws Exception {
        Path file = tmp.resolve("run.yaml");
        Files.writeString(file, "task: t\n" + extra);
        return RunConfig.read(file, tmp);
    }

    @Test
    void completeImagesPassAndBrokenOnesAreNamed(@TempDir Path tmp) throws Exception {
        Path png = image(tmp, "ok.png", "png", 40, 30);
        Path jpg = image(tmp, "ok.jpg", "jpg", 40, 30);
        assertNull(ImageFiles.problem(png, 10_000, "data.max_image_pixels"));
        assertNull(ImageFiles.problem(jpg, 10_000, "data.max_image_pixels"));
        String cutPng = ImageFiles.problem(truncated(png, tmp.resolve("cut.png")), 10_000, "data.max_image_pixels");
        assertTrue(cutPng != null && cutPng.startsWith("truncated PNG"), cutPng);
        String cutJpg = ImageFiles.problem(truncated(jpg, tmp.resolve("cut.jpg")), 10_000, "data.max_image_pixels");
        assertTrue(cutJpg != null && cutJpg.startsWith("truncated JPEG"), cutJpg);
        String large = ImageFiles.problem(png, 1000, "data.max_image_pixels");
        assertTrue(large.contains("40 x 30 = 1,200 pixels is above data.max_image_pixels (1,000)"), large);
        String huge = ImageFiles.problem(hugePngHeader(tmp.resolve("huge.png")), 50_000_000, "data.max_image_pixels");
        assertTrue(huge.contains("20000 x 20000 = 400,000,000 pixels"), huge);
        Files.writeString(tmp.resolve("text.png"), "not an image");
        assertEquals("unknown image format", ImageFiles.problem(tmp.resolve("text.png"), 10_000, "data.max_image_pixels"));
    }

    @Test
    void aBadImageFailsPreparationNamingFileItemAndImageOrIsSkippedWithSkipBad(@TempDir Path tmp) throws Exception {
        Path ok = image(tmp, "ok.png", "png", 20, 20);
        Path cut = truncated(ok, tmp.resolve("cut.png"));
        Path data = tmp.resolve("train.jsonl");
        List<Sample> samples = List.of(sample("train.jsonl:1", ok), sample("train.jsonl:2", cut));
        TrainingSession.SetupException e = assertThrows(TrainingSession.SetupException.class,
                () -> TrainingSession.checkImages(config(tmp, ""), data, samples));
        assertTrue(e.getMessage().startsWith(data + ": item train.jsonl:2: image " + cut + ": truncated PNG"),
                e.getMessage());
        assertTrue(e.getMessage().contains("set data.skip_bad: true"), e.getMessage());
        List<Sample> kept = TrainingSession.checkImages(config(tmp, "data: {skip_bad: true}\n"), data, samples);
        assertEquals(List.of("train.jsonl:1"), kept.stream().map(Sample::id).toList());
        TrainingSession.SetupException limit = assertThrows(TrainingSession.SetupException.class,
                () -> TrainingSession.checkImages(config(tmp, "data: {max_image_pixels: 100}\n"), data, samples));
        assertTrue(limit.getMessage().contains("train.jsonl:1") && limit.getMessage().contains("max_image_pixels"),
                limit.getMessage());
    }

    @Test
    void theInitialModelFolderIsCheckedBeforeTheRunStarts(@TempDir Path tmp) throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        String noConfig = assertThrows(TrainingSession.SetupException.class,
                () -> TrainingSession.checkModelFolder(config(tmp, "model: {checkpoint: model}\n"))).getMessage();
        assertTrue(noConfig.contains("model.checkpoint: ") && noConfig.contains("no config.json"), noConfig);
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"qwen2_vl\", \"hidden_size\": ");
        String garbage = assertThrows(TrainingSession.SetupException.class,
                () -> TrainingSession.checkModelFolder(config(tmp, "model: {checkpoint: model}\n"))).getMessage();
        assertTrue(garbage.contains("model.checkpoint: ") && garbage.contains(model.resolve("config.json").toString()),
                garbage);
        // A readable config without weights.
        Path created = tmp.resolve("created");
        TrainingSession.createTinyModel(created, config(tmp, "model: {hidden_size: 32, layers: 1}\n"), List.of());
        TrainingSession.checkModelFolder(config(tmp, "model: {checkpoint: created}\n")); // complete: passes
        Files.delete(created.resolve("model.safetensors"));
        String noWeights = assertThrows(TrainingSession.SetupException.class,
                () -> TrainingSession.checkModelFolder(config(tmp, "model: {checkpoint: created}\n"))).getMessage();
        assertTrue(noWeights.contains("has no weights (neither model.safetensors nor model.safetensors.index.json)"),
                noWeights);
    }

    @Test
    void anAbsentGpuFallsBackToCpuSaidOnTheConsole() {
        var out = new java.io.ByteArrayOutputStream();
        var console = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        var backend = new io.mr1.trainer.loop.TabularPolicy.Backend(); // sees only cpu
        assertEquals("cpu", TrainingSession.deviceUsed(backend, "cuda:7", console));
        assertTrue(out.toString(java.nio.charset.StandardCharsets.UTF_8)
                .contains("device cuda:7 is not available (none sees cpu); training on cpu"), out.toString());
        out.reset();
        assertEquals("cpu", TrainingSession.deviceUsed(backend, "cpu", console));
        assertEquals("", out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
