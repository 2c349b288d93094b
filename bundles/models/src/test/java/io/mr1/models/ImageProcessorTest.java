package io.mr1.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The image processor against transformers' Qwen2-VL image processor (the shared fixture). */
class ImageProcessorTest {

    static final Path IMAGES = Path.of("../../../shared/data/real/superclevr-samples/images");
    static final ModelConfig.VisionConfig QWEN2_VL_VISION = new ModelConfig.VisionConfig(32, 1280, 16, 4, 14, 2, 2, 3);

    @Test
    void smartResizeRoundsHalfToEvenWithinThePixelBudget() {
        // 70 / 28 = 2.5 -> 2 and 630 / 28 = 22.5 -> 22 (Python's round), not 3 and 23.
        assertArrayEquals(new int[] {56, 616}, ImageProcessor.smartResize(70, 630, 28, 3136, 1 << 30));
        assertArrayEquals(new int[] {280, 280}, ImageProcessor.smartResize(294, 294, 28, 3136, 1 << 30));
        assertArrayEquals(new int[] {476, 644}, ImageProcessor.smartResize(480, 640, 28, 3136, 401408));
        assertArrayEquals(new int[] {84, 112}, ImageProcessor.smartResize(480, 640, 28, 3136, 12544));
        // Too few pixels: scaled up, rounding up.
        assertArrayEquals(new int[] {56, 84}, ImageProcessor.smartResize(30, 40, 28, 3136, 401408));
        assertThrows(IllegalArgumentException.class, () -> ImageProcessor.smartResize(28, 28 * 201, 28, 1, 1 << 30));
    }

    @ParameterizedTest
    @CsvSource({"superCLEVR_new_000000.png, default", "superCLEVR_new_000000.png, small",
        "superCLEVR_new_000001.png, default", "superCLEVR_new_000001.png, small"})
    void pixelValuesEqualTransformers(String image, String setting) throws Exception {
        JsonObject fx = HfFixture.json("image-processor.json");
        JsonObject bounds = fx.getAsJsonObject("settings").getAsJsonObject(setting);
        JsonObject expected = fx.getAsJsonObject("images").getAsJsonObject(image).getAsJsonObject(setting);
        ImageProcessor processor = new ImageProcessor(ImageProcessorConfig.of(QWEN2_VL_VISION,
                bounds.get("min_pixels").getAsInt(), bounds.get("max_pixels").getAsInt()));
        PatchedImage out = processor.read(IMAGES.resolve(image));

        assertArrayEquals(HfFixture.longs(expected.get("grid_thw")),
                java.util.Arrays.stream(out.gridThw()).asLongStream().toArray());
        assertArrayEquals(HfFixture.longs(expected.get("resized_hw")), new long[] {out.resizedHeight(), out.resizedWidth()});
        long[] shape = HfFixture.longs(expected.get("shape"));
        assertEquals(shape[0] * shape[1], out.values().length);
        assertEquals(shape[0], out.rows());

        double[] first16 = HfFixture.doubles(expected.get("first16"));
        double[] ours16 = new double[16];
        for (int i = 0; i < 16; i++) {
            ours16[i] = out.values()[i];
        }
        assertTrue(HfFixture.maxAbsDiff(first16, ours16) <= 1e-5, "first 16 values");
        double[] rowSums = HfFixture.doubles(expected.get("patch_sums"));
        int width = (int) shape[1];
        double sum = 0;
        double absSum = 0;
        double worstRow = 0;
        for (int r = 0; r < rowSums.length; r++) {
            double row = 0;
            for (int k = 0; k < width; k++) {
                float v = out.values()[r * width + k];
                row += v;
                absSum += Math.abs(v);
            }
            sum += row;
            worstRow = Math.max(worstRow, Math.abs(row - rowSums[r]));
        }
        // One 8-bit level anywhere in a row moves its sum by about 0.015; the sums are printed to 1e-6.
        assertTrue(worstRow < 1e-3, "row sums differ by up to " + worstRow);
        assertEquals(expected.get("sum").getAsDouble(), sum, 1e-3);
        assertEquals(expected.get("abs_sum").getAsDouble(), absSum, 1e-3);
        if (expected.has("npy")) {
            HfFixture.Npy full = HfFixture.npy(HfFixture.DIR.resolve(expected.get("npy").getAsString()));
            assertArrayEquals(shape, full.shape());
            double max = 0;
            for (int i = 0; i < full.values().length; i++) {
                max = Math.max(max, Math.abs(full.values()[i] - out.values()[i]));
            }
            System.out.printf("%s (%s): pixel_values max abs diff %.3g%n", image, setting, max);
            assertTrue(max <= 1e-5, "pixel_values max abs diff " + max);
        }
    }

    @Test
    void folderSettingsComeFromPreprocessorConfigOrDefaults(@TempDir Path tmp) throws IOException {
        ImageProcessorConfig defaults = ImageProcessorConfig.read(tmp, QWEN2_VL_VISION);
        assertEquals(ImageProcessorConfig.DEFAULT_MIN_PIXELS, defaults.minPixels());
        assertEquals(ImageProcessorConfig.DEFAULT_MAX_PIXELS, defaults.maxPixels());
        ImageProcessorConfig.of(QWEN2_VL_VISION, 3136, 401408).write(tmp.resolve(ImageProcessorConfig.FILE));
        ImageProcessorConfig read = ImageProcessorConfig.read(tmp, QWEN2_VL_VISION);
        assertEquals(401408, read.maxPixels());
        assertEquals(28, read.factor());
        Files.writeString(tmp.resolve(ImageProcessorConfig.FILE), "{\"size\": {\"shortest_edge\": 100, \"longest_edge\": 50}}");
        IOException e = assertThrows(IOException.class, () -> ImageProcessorConfig.read(tmp, QWEN2_VL_VISION));
        assertTrue(e.getMessage().contains(ImageProcessorConfig.FILE), e.getMessage());
    }

    @Test
    void anUnreadableImageIsAnErrorNamingTheFile(@TempDir Path tmp) throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.png"), "not an image");
        ImageProcessor processor = new ImageProcessor(ImageProcessorConfig.of(QWEN2_VL_VISION, 3136, 401408));
        IOException e = assertThrows(IOException.class, () -> processor.read(bad));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
        BufferedImage tiny = new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB);
        assertThrows(IllegalArgumentException.class, () -> processor.process(tiny));
    }
}
