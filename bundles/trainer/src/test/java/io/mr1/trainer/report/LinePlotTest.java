package io.mr1.trainer.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {

    @Test
    void ticksAreRoundValuesInsideTheRange() {
        assertArrayEquals(new double[] {0, 20, 40, 60, 80}, LinePlot.ticks(0, 99), 1e-9);
        assertArrayEquals(new double[] {0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6}, LinePlot.ticks(0.397, 1.71), 1e-9);
        assertArrayEquals(new double[] {-0.01, -0.005, 0, 0.005, 0.01}, LinePlot.ticks(-0.01, 0.011), 1e-12);
        assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10}, LinePlot.ticks(0, 10), 1e-9);
        assertArrayEquals(new double[] {5}, LinePlot.ticks(5, 5), 0);
    }

    @Test
    void tickLabelsShowTheDecimalsTheSpacingNeeds() {
        double[] steps = LinePlot.ticks(0, 99);
        assertEquals("20", LinePlot.tickLabel(steps[1], steps));
        double[] betas = LinePlot.ticks(0.037, 0.103);
        assertEquals("0.04", LinePlot.tickLabel(betas[0], betas));
        double[] halves = LinePlot.ticks(0, 2.2);
        assertEquals("0.5", LinePlot.tickLabel(halves[1], halves));
    }

    @Test
    void rendersAChartOfTheDeclaredSize() {
        BufferedImage image = new LinePlot("t", "step", "value")
                .add("a", new double[] {0, 1, 2, 3}, new double[] {0.5, 0.25, Double.NaN, 1})
                .render();
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        assertTrue(image.getWidth() > 100 && image.getHeight() > 100);
    }

    @Test
    void pngGetsTheSamePermissionsAsAnyOtherFileOfTheFolder(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path other = Files.writeString(dir.resolve("config.json"), "{}");
        Path png = dir.resolve("plots/beta.png");
        new LinePlot("t", "step", "beta").add("b", new double[] {0, 1}, new double[] {0.1, 0.2}).writePng(png);
        assertEquals(Files.getPosixFilePermissions(other), Files.getPosixFilePermissions(png));
        try (var left = Files.list(png.getParent())) {
            assertEquals(1, left.count(), "no temporary file left behind");
        }
    }
}
