package io.mr1.launcher;

import static io.mr1.launcher.LauncherProcessIT.mr1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every config in examples/ trains to the end; the report renders in a headless browser. */
class ExamplesIT {

    static Path examples() {
        return Paths.get(System.getProperty("mr1.examples", "../examples")).toAbsolutePath().normalize();
    }

    @Test
    void everyExampleConfigTrains(@TempDir Path tmp) throws Exception {
        List<Path> configs;
        try (Stream<Path> files = Files.list(examples())) {
            configs = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".json"))
                    .filter(f -> !f.getFileName().toString().startsWith("qwen2vl-")) // need real weights and a GPU
                    .filter(f -> !isExperiment(f)).sorted().toList();
        }
        assertTrue(configs.size() >= 8, "sft + six schedules + geometry: " + configs);
        for (Path config : configs) {
            Path out = tmp.resolve(config.getFileName().toString().replace('.', '-'));
            var r = mr1(tmp, "train", "--config", config.toString(), "--out", out.toString());
            assertEquals(0, r.status(), config + ": " + r.err());
            assertTrue(Files.readAllLines(out.resolve("metrics.jsonl")).size() >= 4, config.toString());
            assertTrue(Files.isRegularFile(out.resolve("report.html")), config.toString());
            assertTrue(Files.isRegularFile(out.resolve("config.json")), config.toString());
        }
        screenshotShowsThePlots(tmp.resolve("grpo-d-counting-yaml"), tmp);
    }

    /** Experiment files (mr1 experiment, with a top-level arms list) are tested by ExperimentIT. */
    static boolean isExperiment(Path file) {
        try {
            return Files.readAllLines(file).stream().anyMatch(l -> l.startsWith("arms:"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Debian's chromium renders the report headless; the screenshot must show coloured plot lines. */
    static void screenshotShowsThePlots(Path run, Path tmp) throws Exception {
        Path chromium = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").map(Paths::get)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(chromium != null, "chromium not installed (.ci/run installs it)");
        Path png = tmp.resolve("report.png");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + tmp.resolve("chrome-profile"), "--window-size=1700,1400",
                "--screenshot=" + png, run.resolve("report.html").toUri().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium timed out");
        BufferedImage shot = ImageIO.read(png.toFile());
        assertTrue(shot != null, "no screenshot: " + Files.readString(tmp.resolve("chromium.log")));
        int coloured = 0;
        for (int y = 0; y < shot.getHeight(); y += 2) {
            for (int x = 0; x < shot.getWidth(); x += 2) {
                int rgb = shot.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
                    coloured++; // plot lines are saturated; text and axes are grey
                }
            }
        }
        assertTrue(coloured > 200, "the screenshot shows no plot lines (" + coloured + " coloured pixels)");
    }
}
