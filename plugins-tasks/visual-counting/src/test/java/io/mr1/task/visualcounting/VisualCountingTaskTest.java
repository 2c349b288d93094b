package io.mr1.task.visualcounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.tasks.DatasetReport;
import io.mr1.tasks.support.SharedData;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisualCountingTaskTest {

    @TempDir
    Path tmp;

    private final VisualCountingTask task = new VisualCountingTask();

    @Test
    void describesItself() {
        assertEquals("visual-counting", task.name());
        assertEquals(AnswerType.INTEGER, task.answerType());
        assertEquals(Task.R1V_TEMPLATE, task.promptTemplate());
        assertEquals(List.of("accuracy", "format"), task.defaultRewards());
    }

    @Test
    void parallelGenerationWritesTheSameBytesAsOneThread() throws IOException {
        SharedData.assertThreadCountDoesNotChangeBytes(task, tmp);
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentData() throws IOException {
        SharedData.assertSameSeedSameBytes(task, 12, tmp);
    }

    /**
     * The generator's draws are pinned: data generated before the question mix became an
     * option must come out the same without options (a change here changes every dataset).
     */
    @Test
    void withoutOptionsTheDataIsWhatItWas() throws IOException {
        task.generate(40, 42, tmp);
        assertEquals("73a79a5c239b39e6174fa0d8d14fb829a1ddfb7f024a4b38a4eb2c1c4dde5488", SharedData.sha256(tmp, f -> f.equals("data.jsonl")));
        assertEquals("35be8c3e15239786a36250f86cc4fea4012124dc69a6bfab70845750508b30f7", SharedData.sha256(tmp, f -> f.startsWith("scenes/")));
    }

    @Test
    void aSmallerDatasetIsAPrefixOfALargerOne() throws IOException {
        task.generate(4, 9, tmp.resolve("small"));
        task.generate(9, 9, tmp.resolve("large"));
        for (int i = 0; i < 4; i++) {
            String png = String.format(Locale.ROOT, "images/%06d.png", i);
            assertEquals(-1L, Files.mismatch(tmp.resolve("small").resolve(png), tmp.resolve("large").resolve(png)));
        }
        List<String> large = Files.readAllLines(tmp.resolve("large/data.jsonl"));
        assertEquals(large.subList(0, 4), Files.readAllLines(tmp.resolve("small/data.jsonl")));
    }

    /** Loads generated data back and recounts every answer from the scene files. */
    @Test
    void generatedDataRoundTripsAndAnswersMatchTheScenes() throws Exception {
        int n = 80;
        Path jsonl = task.generate(n, 7, tmp);
        assertEquals(tmp.resolve("data.jsonl"), jsonl);
        List<Sample> samples = task.load(jsonl, false);
        assertEquals(n, samples.size());
        Set<String> families = new HashSet<>();
        Set<Integer> totals = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            JsonObject scene = scene(tmp, i);
            List<JsonObject> objects = new ArrayList<>();
            scene.getAsJsonArray("objects").forEach(o -> objects.add(o.getAsJsonObject()));
            JsonObject query = scene.getAsJsonObject("query");
            long expected = objects.stream().filter(o -> query.entrySet().stream()
                    .allMatch(q -> o.get(q.getKey()).getAsString().equals(q.getValue().getAsString()))).count();
            assertEquals(Long.toString(expected), s.solution(), "item " + i);
            // The reference reasoning lists exactly the matching objects, numbered, back to front.
            List<String> listed = new ArrayList<>();
            objects.stream().filter(o -> query.entrySet().stream()
                    .allMatch(q -> o.get(q.getKey()).getAsString().equals(q.getValue().getAsString())))
                    .forEach(o -> listed.add((listed.size() + 1) + " " + o.get("color").getAsString() + " "
                            + o.get("shape").getAsString()));
            assertEquals(listed.isEmpty() ? "none" : String.join(" , ", listed), s.thinking(), "item " + i);
            assertEquals(scene.get("question").getAsString(), s.question());
            assertEquals(AnswerType.INTEGER, s.answerType());
            assertTrue(objects.size() >= 1 && objects.size() <= 10);
            families.add(scene.get("family").getAsString());
            totals.add(objects.size());
            assertBoxesInsideAndApart(objects, 320, 240, 0.1);
            if (i < 5) {
                BufferedImage image = ImageIO.read(s.prompt().images().get(0).path().toFile());
                assertEquals(320, image.getWidth());
                assertEquals(240, image.getHeight());
            }
        }
        assertEquals(Set.of("items", "objects", "color-shape", "size-material", "shape", "color"), families);
        assertTrue(totals.size() >= 8, "object counts spread over the range: " + totals);
    }

    @Test
    void questionsAskWhatTheirFamilySays() throws IOException {
        task.generate(40, 5, tmp);
        for (int i = 0; i < 40; i++) {
            JsonObject scene = scene(tmp, i);
            String q = scene.get("question").getAsString();
            Map<String, String> query = new java.util.LinkedHashMap<>();
            scene.getAsJsonObject("query").entrySet().forEach(e -> query.put(e.getKey(), e.getValue().getAsString()));
            switch (scene.get("family").getAsString()) {
                case "items" -> assertEquals("How many items are there in the image?", q);
                case "objects" -> assertEquals("How many objects are there in the image?", q);
                case "color-shape" -> assertEquals("How many " + query.get("color") + " " + query.get("shape")
                        + "s are there?", q);
                case "size-material" -> assertEquals("How many " + query.get("size") + " " + query.get("material")
                        + " things are there?", q);
                case "shape" -> assertEquals("How many " + query.get("shape") + "s are there?", q);
                default -> assertEquals("How many " + query.get("color") + " objects are there?", q);
            }
        }
    }

    @Test
    void settingsChangeImagesAndScenes() throws Exception {
        VisualCountingTask big = new VisualCountingTask(new CountingSettings(640, 480, 3, 3, 0.0, "Q: {question}"));
        Path jsonl = big.generate(6, 1, tmp);
        List<Sample> samples = big.load(jsonl, false);
        for (int i = 0; i < 6; i++) {
            BufferedImage image = ImageIO.read(samples.get(i).prompt().images().get(0).path().toFile());
            assertEquals(640, image.getWidth());
            assertEquals(480, image.getHeight());
            List<JsonObject> objects = new ArrayList<>();
            scene(tmp, i).getAsJsonArray("objects").forEach(o -> objects.add(o.getAsJsonObject()));
            assertEquals(3, objects.size());
            assertBoxesInsideAndApart(objects, 640, 480, 0.0);
            assertEquals("Q: " + samples.get(i).question(), samples.get(i).prompt().text());
        }
    }

    @Test
    void invalidSettingsNameTheirKey() {
        assertKey("image_width", () -> new CountingSettings(10, 240, 1, 10, 0.1, Task.R1V_TEMPLATE));
        assertKey("image_height", () -> new CountingSettings(320, 5000, 1, 10, 0.1, Task.R1V_TEMPLATE));
        assertKey("min_objects", () -> new CountingSettings(320, 240, -1, 10, 0.1, Task.R1V_TEMPLATE));
        assertKey("max_objects", () -> new CountingSettings(320, 240, 5, 4, 0.1, Task.R1V_TEMPLATE));
        assertKey("max_overlap", () -> new CountingSettings(320, 240, 1, 10, 0.9, Task.R1V_TEMPLATE));
        assertKey("prompt_template", () -> new CountingSettings(320, 240, 1, 10, 0.1, "no placeholder"));
    }

    @Test
    void tooManyObjectsForTheImageFailsClearly() {
        VisualCountingTask crowded = new VisualCountingTask(new CountingSettings(64, 64, 30, 30, 0.0, Task.R1V_TEMPLATE));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> crowded.generate(1, 1, tmp));
        assertTrue(e.getMessage().startsWith("cannot place 30 objects in a 64x64 image"), e.getMessage());
    }

    @Test
    void configurationDefaultsAreTheDocumentedDefaults() {
        assertEquals(CountingSettings.DEFAULTS,
                new VisualCountingTask(SharedData.defaults(VisualCountingTask.Config.class)).settings());
    }

    @Test
    void realSuperClevrSamplesLoad() throws Exception {
        Path dir = SharedData.real().resolve("superclevr-samples");
        List<Sample> samples = task.load(dir.resolve("counting.jsonl"), false);
        assertEquals(List.of("7", "9", "5", "7", "8", "7", "8", "5", "8", "3"),
                samples.stream().map(Sample::solution).toList());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            assertEquals("counting.jsonl:" + (i + 1), s.id());
            assertEquals("How many items are there in the image?", s.question());
            Path image = s.prompt().images().get(0).path();
            assertTrue(image.isAbsolute());
            BufferedImage decoded = ImageIO.read(image.toFile());
            assertEquals(640, decoded.getWidth());
            assertEquals(480, decoded.getHeight());
            String stem = image.getFileName().toString().replace(".png", ".json");
            JsonObject scene = JsonParser.parseString(Files.readString(dir.resolve("scenes").resolve(stem)))
                    .getAsJsonObject();
            assertEquals(s.solution(), Integer.toString(scene.getAsJsonArray("objects").size()));
        }
    }

    @Test
    void r1vCountingTestSetHasNoImages() throws Exception {
        Path file = SharedData.real().resolve("r1v-eval/superclevr_test200_counting_problems.jsonl");
        DataException e = assertThrows(DataException.class, () -> task.load(file, false));
        assertEquals(1, e.line());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ":1: image not found: ./images/superCLEVR_new_025000.png"),
                e.getMessage());
        DatasetReport report = task.loadReport(file, true);
        assertEquals(0, report.samples().size());
        assertEquals(200, report.skipped().size());
        assertEquals(200, report.skipped().get(199).line());
        assertEquals(List.of(), task.load(file, true));
    }

    @Test
    void judgesThroughTheTask() throws Exception {
        Sample sample = task.load(SharedData.real().resolve("superclevr-samples/counting.jsonl"), false).get(0);
        assertEquals(new Judgement(true, true, true, "seven"),
                task.judge(sample, "<think>one by one</think><answer>seven</answer>"));
        assertEquals(new Judgement(false, false, false, "6"), task.judge(sample, "<answer>6</answer>"));
    }

    @Test
    void overlapMeasure() {
        Rectangle2D a = new Rectangle2D.Double(0, 0, 10, 10);
        assertEquals(0.0, SceneGenerator.overlap(a, new Rectangle2D.Double(10, 0, 10, 10)));
        assertEquals(0.5, SceneGenerator.overlap(a, new Rectangle2D.Double(5, 0, 10, 10)));
        assertEquals(1.0, SceneGenerator.overlap(a, new Rectangle2D.Double(2, 2, 4, 4)), "small box fully hidden");
    }

    private static void assertBoxesInsideAndApart(List<JsonObject> objects, int width, int height, double maxOverlap) {
        List<Rectangle2D> boxes = new ArrayList<>();
        for (JsonObject o : objects) {
            double w = o.get("width").getAsDouble();
            double h = o.get("height").getAsDouble();
            Rectangle2D box = new Rectangle2D.Double(o.get("x").getAsDouble() - w / 2, o.get("y").getAsDouble() - h, w, h);
            assertTrue(box.getMinX() >= 0 && box.getMinY() >= 0 && box.getMaxX() <= width && box.getMaxY() <= height);
            for (Rectangle2D other : boxes) {
                assertTrue(SceneGenerator.overlap(box, other) <= maxOverlap + 1e-9);
            }
            boxes.add(box);
        }
        // Drawn back to front: the ground contact points are in order.
        for (int i = 1; i < objects.size(); i++) {
            assertTrue(objects.get(i - 1).get("y").getAsDouble() <= objects.get(i).get("y").getAsDouble());
        }
    }

    private static void assertKey(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
    }

    static JsonObject scene(Path dir, int index) throws IOException {
        JsonElement e = JsonParser.parseString(Files.readString(
                dir.resolve(String.format(Locale.ROOT, "scenes/%06d.json", index)), StandardCharsets.UTF_8));
        return e.getAsJsonObject();
    }

    @Test
    void perRunOptionsMakeANewTaskAndNameBadKeys(@TempDir Path tmp) throws Exception {
        VisualCountingTask shared = new VisualCountingTask();
        VisualCountingTask easy = shared.withOptions(java.util.Map.of("min_objects", 1, "max_objects", 5,
                "image_width", 160));
        assertEquals(new CountingSettings(160, 240, 1, 5, 0.1, Task.R1V_TEMPLATE), easy.settings());
        assertEquals(CountingSettings.DEFAULTS, shared.settings(), "the shared task is not changed");
        for (Sample s : easy.load(easy.generate(30, 4, tmp.resolve("easy")), false)) {
            int count = Integer.parseInt(s.solution());
            assertTrue(count >= 0 && count <= 5, s.solution());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> shared.withOptions(java.util.Map.of("max_object", 5)));
        assertTrue(unknown.getMessage().contains("task_options.max_object") && unknown.getMessage().contains("max_objects"),
                unknown.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> shared.withOptions(java.util.Map.of("max_objects", 50)));
        assertTrue(range.getMessage().contains("task_options.max_objects must be"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> shared.withOptions(java.util.Map.of("max_objects", 2.5)));
    }

    @Test
    void theQuestionMixChoosesTheKindsAndTheirShares() throws Exception {
        VisualCountingTask mixed = task.withOptions(Map.of("question_mix", Map.of("shape", 3, "items", 1)));
        assertEquals(Map.of("items", 1, "objects", 0, "color-shape", 0, "size-material", 0, "shape", 3, "color", 0),
                mixed.settings().questionMix().weights());
        int n = 200;
        mixed.generate(n, 11, tmp.resolve("mixed"));
        int shape = 0;
        for (int i = 0; i < n; i++) {
            String family = scene(tmp.resolve("mixed"), i).get("family").getAsString();
            assertTrue(family.equals("shape") || family.equals("items"), family);
            shape += family.equals("shape") ? 1 : 0;
        }
        assertTrue(shape > 125 && shape < 175, "about three quarters ask by shape: " + shape);
        VisualCountingTask listed = task.withOptions(Map.of("question_mix", List.of("color", "objects")));
        listed.generate(30, 11, tmp.resolve("listed"));
        Set<String> families = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            families.add(scene(tmp.resolve("listed"), i).get("family").getAsString());
        }
        assertEquals(Set.of("color", "objects"), families);
    }

    /** The built-in mix given explicitly, in another order, writes the same bytes as no option. */
    @Test
    void theBuiltInMixGivenAsAnOptionChangesNothing() throws Exception {
        Map<String, Object> builtIn = new java.util.LinkedHashMap<>();
        builtIn.put("color", 7);
        builtIn.put("shape", 8);
        builtIn.put("size-material", 15);
        builtIn.put("color-shape", 15);
        builtIn.put("objects", 20);
        builtIn.put("items", 35);
        VisualCountingTask explicit = task.withOptions(Map.of("question_mix", builtIn));
        assertEquals(CountingSettings.DEFAULTS, explicit.settings());
        SharedData.assertSameData(task, explicit, 30, 8, tmp);
    }

    @Test
    void aBadQuestionMixNamesTheKeyAndTheValidKinds() {
        assertEquals("task visual-counting: task_options.question_mix: unknown question kind 'colour'; valid: items,"
                + " objects, color-shape, size-material, shape, color",
                assertThrows(IllegalArgumentException.class,
                        () -> task.withOptions(Map.of("question_mix", List.of("colour")))).getMessage());
        assertEquals("task visual-counting: task_options.question_mix.items: must be a whole-number weight from 0"
                + " to 1000000, got -2", assertThrows(IllegalArgumentException.class,
                        () -> task.withOptions(Map.of("question_mix", Map.of("items", -2)))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> task.withOptions(Map.of("question_mix", "items"))).getMessage()
                .startsWith("task visual-counting: task_options.question_mix: must be a list of question kinds or a"
                        + " map of question kind to weight"));
        assertEquals("task visual-counting: task_options.max_objects: must be a whole number, got 2.5",
                assertThrows(IllegalArgumentException.class, () -> task.withOptions(Map.of("max_objects", 2.5)))
                        .getMessage(), "named once, not prefixed twice");
    }
}
