package io.mr1.tasks.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.tasks.DatasetReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class R1vLoaderTest {

    @TempDir
    Path dir;

    private final R1vLoader loader = new R1vLoader(Task.R1V_TEMPLATE, AnswerType.INTEGER);

    @BeforeEach
    void image() throws IOException {
        Files.createDirectories(dir.resolve("images"));
        ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("images/a.png").toFile());
    }

    private Path jsonl(String... lines) throws IOException {
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void readsBothKeyStylesSkipsBlankLinesAndNumbersIdsByLine() throws Exception {
        Path abs = dir.resolve("images/a.png").toAbsolutePath();
        Path file = jsonl(
                "{\"image\": \"images/a.png\", \"problem\": \"How many?\", \"solution\": \"<answer> 7 </answer>\"}",
                "",
                "   ",
                "{\"image_path\": \"./images/a.png\", \"question\": \"Angle?\", \"ground_truth\": \"140°\"}",
                "{\"image_path\": \"" + abs + "\", \"question\": \"Count?\", \"ground_truth\": 4}",
                "{\"image\": \"images/a.png\", \"problem\": \"Plain?\", \"solution\": \" 12 \"}");
        DatasetReport report = loader.load(file, false);
        List<Sample> s = report.samples();
        assertEquals(4, s.size());
        assertEquals(List.of(), report.skipped());
        assertEquals(List.of("data.jsonl:1", "data.jsonl:4", "data.jsonl:5", "data.jsonl:6"),
                s.stream().map(Sample::id).toList());
        assertEquals(List.of("7", "140°", "4", "12"), s.stream().map(Sample::solution).toList());
        assertEquals("How many?", s.get(0).question());
        assertEquals("How many?  Output the thinking process in <think> </think> and final answer (number) in "
                + "<answer> </answer> tags.", s.get(0).prompt().text());
        for (Sample sample : s) {
            assertEquals(abs.normalize(), sample.prompt().images().get(0).path());
            assertEquals(AnswerType.INTEGER, sample.answerType());
        }
    }

    @Test
    void readsTheOptionalThinkingAndRejectsANonStringOne() throws Exception {
        Path file = jsonl(
                "{\"image\": \"images/a.png\", \"problem\": \"How many?\", \"solution\": \"<answer> 2 </answer>\", "
                        + "\"thinking\": \" 1 red cube , 2 red cube \"}",
                "{\"image\": \"images/a.png\", \"problem\": \"How many?\", \"solution\": \"<answer> 0 </answer>\"}");
        List<Sample> samples = loader.load(file, false).samples();
        assertEquals("1 red cube , 2 red cube", samples.get(0).thinking());
        assertEquals("", samples.get(1).thinking());
        Path bad = jsonl("{\"image\": \"images/a.png\", \"problem\": \"How many?\", "
                + "\"solution\": \"<answer> 2 </answer>\", \"thinking\": 7}");
        DataException e = assertThrows(DataException.class, () -> loader.load(bad, false));
        assertTrue(e.getMessage().contains("data.jsonl:1") && e.getMessage().contains("thinking"), e.getMessage());
    }

    @Test
    void malformedJsonNamesFileAndLine() throws Exception {
        Path file = jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\"}",
                "{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\"}",
                "{\"image\": \"images/a.png\", \"problem\": ");
        DataException e = assertThrows(DataException.class, () -> loader.load(file, true));
        assertEquals(3, e.line());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ":3: not valid JSON"), e.getMessage());
    }

    @Test
    void strictJsonOnly() throws Exception {
        assertLineError(jsonl("{image: \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\"}"), 1, "not valid JSON");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\"} extra"), 1,
                "not valid JSON");
        assertLineError(jsonl("[1, 2]"), 1, "expected a JSON object");
        // The one strict reader (io.mr1.core.jsonl): single quotes, bare words and duplicated keys too.
        assertLineError(jsonl("{\"image\": 'images/a.png', \"problem\": \"q\", \"solution\": \"1\"}"), 1,
                "not valid JSON");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": q, \"solution\": \"1\"}"), 1,
                "not valid JSON");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\", \"solution\": \"2\"}"),
                1, "not valid JSON (duplicated key \"solution\")");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \" \"}"), 1,
                "\"solution\" is empty");
    }

    @Test
    void missingOrWrongKeysAreNamed() throws Exception {
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"solution\": \"1\"}"), 1,
                "missing key \"problem\" (or \"question\")");
        assertLineError(jsonl("{\"problem\": \"q\", \"solution\": \"1\"}"), 1, "missing key \"image\" (or \"image_path\")");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\"}"), 1,
                "missing key \"solution\" (or \"ground_truth\")");
        assertLineError(jsonl("{\"image\": 3, \"problem\": \"q\", \"solution\": \"1\"}"), 1, "\"image\" must be a string");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"ground_truth\": true}"), 1,
                "\"ground_truth\" must be a number or a string");
        assertLineError(jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"<answer>  </answer>\"}"),
                1, "\"solution\" is empty");
    }

    @Test
    void fileThatIsNotAnImageFailsEvenWhenSkipping() throws Exception {
        Files.writeString(dir.resolve("images/b.png"), "not a png");
        Path file = jsonl("{\"image\": \"images/b.png\", \"problem\": \"q\", \"solution\": \"1\"}");
        DataException e = assertThrows(DataException.class, () -> loader.load(file, true));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("image images/b.png is not a readable image"), e.getMessage());
    }

    @Test
    void missingImageFailsOrIsSkippedAndCounted() throws Exception {
        Path file = jsonl("{\"image\": \"images/a.png\", \"problem\": \"q\", \"solution\": \"1\"}",
                "{\"image\": \"images/gone.png\", \"problem\": \"q\", \"solution\": \"2\"}");
        DataException e = assertThrows(DataException.class, () -> loader.load(file, false));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("image not found: images/gone.png"), e.getMessage());
        DatasetReport report = loader.load(file, true);
        assertEquals(1, report.samples().size());
        assertEquals(List.of(new DatasetReport.Skipped(2, dir.toAbsolutePath().resolve("images/gone.png").normalize(),
                "image not found")), report.skipped());
    }

    @Test
    void missingFileIsADataException() {
        DataException e = assertThrows(DataException.class, () -> loader.load(dir.resolve("nope.jsonl"), true));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().endsWith("nope.jsonl: file not found"), e.getMessage());
    }

    private void assertLineError(Path file, long line, String text) {
        DataException e = assertThrows(DataException.class, () -> loader.load(file, false));
        assertEquals(line, e.line());
        assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }
}
