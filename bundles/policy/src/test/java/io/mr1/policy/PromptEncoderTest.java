package io.mr1.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.types.ImageRef;
import io.mr1.api.types.Prompt;
import io.mr1.models.ImageProcessor;
import io.mr1.models.ImageProcessorConfig;
import io.mr1.models.ModelConfig;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image cache is bounded by bytes of patch values, least recently used out first. */
class PromptEncoderTest {

    private static final TextTokenizer CHARACTERS = new TextTokenizer() {
        @Override
        public long[] encode(String text) {
            // One id per character; each image placeholder is the image token, 5.
            return text.replace(io.mr1.models.ChatTemplate.IMAGE_PAD, "\0").chars()
                    .mapToLong(c -> c == 0 ? 5 : 7 + c % 13).toArray();
        }

        @Override
        public String decode(long[] ids) {
            return "";
        }

        @Override
        public void close() {
        }
    };

    @Test
    void theImageCacheKeepsTheMostRecentImagesWithinItsBudget(@TempDir Path tmp) throws Exception {
        ModelConfig.VisionConfig vision = new ModelConfig.VisionConfig(1, 16, 2, 2, 14, 2, 2, 3);
        ModelConfig config = new ModelConfig(ModelConfig.MODEL_TYPE, 20, 16, 24, 2, 4, 2, 1e-6, 10000, 64, true,
                List.of(1, 0, 1), 5, 4, 6, 3, 0, vision, List.of());
        // 56 x 56 pixels: 4 x 4 patches of 1176 values, 75,264 bytes an image; room for two.
        long image = 16L * 1176 * 4;
        PromptEncoder encoder = new PromptEncoder(config,
                new ImageProcessor(ImageProcessorConfig.of(vision, 56 * 56, 56 * 56)), CHARACTERS, 2 * image);
        Path[] files = new Path[3];
        for (int i = 0; i < 3; i++) {
            files[i] = tmp.resolve("image" + i + ".png");
            ImageIO.write(new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB), "png", files[i].toFile());
        }
        for (Path file : files) {
            encoder.encode(new Prompt("p", "count", List.of(new ImageRef(file))));
            assertTrue(encoder.cachedImageBytes() <= 2 * image, "within the budget: " + encoder.cachedImageBytes());
        }
        assertEquals(2 * image, encoder.cachedImageBytes());
        for (Path file : files) {
            Files.delete(file);
        }
        // The two newest are still cached; the first was evicted and must be read again.
        encoder.encode(new Prompt("p", "count", List.of(new ImageRef(files[2]))));
        encoder.encode(new Prompt("p", "count", List.of(new ImageRef(files[1]))));
        assertThrows(UncheckedIOException.class,
                () -> encoder.encode(new Prompt("p", "count", List.of(new ImageRef(files[0])))));
    }
}
