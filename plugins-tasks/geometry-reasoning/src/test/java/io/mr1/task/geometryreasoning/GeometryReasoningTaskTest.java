package io.mr1.task.geometryreasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.tasks.DatasetReport;
import io.mr1.answers.Answers;
import io.mr1.tasks.support.SharedData;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeometryReasoningTaskTest {

    @TempDir
    Path tmp;

    private final GeometryReasoningTask task = new GeometryReasoningTask();

    @Test
    void describesItself() {
        assertEquals("geometry-reasoning", task.name());
        assertEquals(AnswerType.NUMERIC_EXPRESSION, task.answerType());
    }

    @Test
    void parallelGenerationWritesTheSameBytesAsOneThread() throws IOException {
        SharedData.assertThreadCountDoesNotChangeBytes(task, tmp);
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentData() throws IOException {
        SharedData.assertSameSeedSameBytes(task, 10, tmp);
    }

    /**
     * The generator's draws are pinned: problems generated before the families became an
     * option must come out the same without options. Only the JSONL is hashed: the scene
     * files hold trigonometry results, which Java allows to differ by an ulp across platforms.
     */
    @Test
    void withoutOptionsTheDataIsWhatItWas() throws IOException {
        task.generate(60, 42, tmp);
        assertEquals("1de1dd54b963bc4e8df295152ca5233b4385b725209ac2c734677fca81ec80d1", SharedData.sha256(tmp, f -> f.equals("data.jsonl")));
    }

    @Test
    void labelsUseTheBundledFont() {
        assertEquals("DejaVu Sans", LabelFont.base().getFamily(Locale.ROOT));
    }

    /**
     * Every stated and asked value is measured in the figure's coordinates, and every
     * answer is recomputed from the stated values with its family's rule.
     */
    @Test
    void generatedProblemsAreSolvableAndDrawnToScale() throws Exception {
        int n = 200;
        List<Sample> samples = task.load(task.generate(n, 3, tmp), false);
        assertEquals(n, samples.size());
        TreeSet<String> variants = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            JsonObject scene = scene(i);
            String variant = scene.get("family").getAsString() + "/" + scene.get("variant").getAsString();
            variants.add(variant);
            Map<String, Point2D.Double> pts = points(scene);
            List<JsonObject> given = new ArrayList<>();
            scene.getAsJsonArray("given").forEach(g -> given.add(g.getAsJsonObject()));
            JsonObject asked = scene.getAsJsonObject("asked");
            for (JsonObject m : given) {
                assertMeasured(m, pts, variant);
                String stated = m.get("value").getAsInt() + ".0";
                assertTrue(s.question().contains(stated), s.question() + " states " + stated);
            }
            assertMeasured(asked, pts, variant);
            int answer = asked.get("value").getAsInt();
            boolean angle = asked.get("kind").getAsString().equals("angle");
            assertEquals(answer + (angle ? "°" : ""), s.solution());
            assertEquals(answer, rule(scene.get("variant").getAsString(), given), variant + ": " + s.question());
            assertTrue(answer > 0 && answer < 180);
            assertConstruction(scene.get("variant").getAsString(), pts, scene);
            if (i < 3) {
                BufferedImage image = ImageIO.read(s.prompt().images().get(0).path().toFile());
                assertEquals(320, image.getWidth());
                assertEquals(320, image.getHeight());
            }
        }
        assertEquals(new TreeSet<>(List.of("angle-bisector/asked-ABD", "angle-bisector/asked-ADB",
                "angle-bisector/asked-BDC", "circle-angles/central-to-inscribed", "circle-angles/diameter",
                "circle-angles/inscribed-to-central", "lengths/midline-double", "lengths/midline-half",
                "lengths/pythagoras-hypotenuse", "lengths/pythagoras-leg", "parallel-lines/named-alternate",
                "parallel-lines/named-co-interior", "parallel-lines/numbered-alternate",
                "parallel-lines/numbered-co-interior", "parallel-lines/numbered-corresponding",
                "triangle-angles/exterior-angle", "triangle-angles/third-angle")), variants);
    }

    /** The answer from the stated values alone, by the theorem each variant exercises. */
    private static int rule(String variant, List<JsonObject> given) {
        int g0 = given.get(0).get("value").getAsInt();
        int g1 = given.size() > 1 ? given.get(1).get("value").getAsInt() : 0;
        int g2 = given.size() > 2 ? given.get(2).get("value").getAsInt() : 0;
        return switch (variant) {
            case "third-angle" -> 180 - g0 - g1;
            case "exterior-angle" -> g0 + g1;
            case "named-alternate", "numbered-alternate", "numbered-corresponding" -> g0;
            case "named-co-interior", "numbered-co-interior" -> 180 - g0;
            case "asked-ABD" -> (180 - g0 - g1) / 2;
            case "asked-ADB" -> 180 - g0 - (180 - g0 - g1) / 2;
            case "asked-BDC" -> g0 + (180 - g0 - g1) / 2;
            case "central-to-inscribed" -> g0 / 2;
            case "inscribed-to-central" -> 2 * g0;
            case "diameter" -> 90 - g0;
            case "pythagoras-hypotenuse" -> (int) Math.round(Math.sqrt(g1 * g1 + g2 * g2));
            case "pythagoras-leg" -> (int) Math.round(Math.sqrt(g1 * g1 - g2 * g2));
            case "midline-half" -> g0 / 2;
            case "midline-double" -> 2 * g0;
            default -> throw new AssertionError("unknown variant " + variant);
        };
    }

    /** Checks the constructions the question states in words (midpoints, bisector, parallels, circle). */
    private static void assertConstruction(String variant, Map<String, Point2D.Double> p, JsonObject scene) {
        if (variant.startsWith("midline")) {
            assertEquals(0, p.get("D").distance(mid(p.get("A"), p.get("B"))), 1e-9);
            assertEquals(0, p.get("E").distance(mid(p.get("A"), p.get("C"))), 1e-9);
        } else if (variant.startsWith("asked-")) {
            assertEquals(Figure.angle(p.get("A"), p.get("B"), p.get("D")),
                    Figure.angle(p.get("D"), p.get("B"), p.get("C")), 1e-9, "BD bisects angle ABC");
            assertEquals(180, Figure.angle(p.get("A"), p.get("D"), p.get("C")), 1e-9, "D on AC");
        } else if (variant.startsWith("named-") || variant.startsWith("numbered-")) {
            assertEquals(0, cross(p.get("A"), p.get("B"), p.get("C"), p.get("D")), 1e-9, "AB parallel CD");
            assertEquals(180, Figure.angle(p.get("A"), p.get("E"), p.get("B")), 1e-9, "E on AB");
            assertEquals(180, Figure.angle(p.get("C"), p.get("F"), p.get("D")), 1e-9, "F on CD");
        } else if (scene.has("circle")) {
            double r = scene.getAsJsonObject("circle").get("radius").getAsDouble();
            for (String name : List.of("A", "B", "C")) {
                assertEquals(r, p.get(name).distance(p.get("O")), 1e-9, name + " on circle O");
            }
            if (variant.equals("diameter")) {
                assertEquals(0, p.get("O").distance(mid(p.get("A"), p.get("B"))), 1e-9);
            }
        }
    }

    private static Point2D.Double mid(Point2D.Double a, Point2D.Double b) {
        return new Point2D.Double((a.x + b.x) / 2, (a.y + b.y) / 2);
    }

    private static double cross(Point2D.Double a, Point2D.Double b, Point2D.Double c, Point2D.Double d) {
        return (b.x - a.x) * (d.y - c.y) - (b.y - a.y) * (d.x - c.x);
    }

    private static void assertMeasured(JsonObject m, Map<String, Point2D.Double> pts, String context) {
        List<Point2D.Double> at = new ArrayList<>();
        m.getAsJsonArray("points").forEach(e -> at.add(pts.get(e.getAsString())));
        double value = m.get("value").getAsDouble();
        if (m.get("kind").getAsString().equals("angle")) {
            assertEquals(value, Figure.angle(at.get(0), at.get(1), at.get(2)), 1e-6, context + " " + m);
        } else {
            assertEquals(value, at.get(0).distance(at.get(1)), 1e-9 * value, context + " " + m);
        }
    }

    private Map<String, Point2D.Double> points(JsonObject scene) {
        Map<String, Point2D.Double> out = new HashMap<>();
        for (var e : scene.getAsJsonObject("points").entrySet()) {
            JsonArray xy = e.getValue().getAsJsonArray();
            out.put(e.getKey(), new Point2D.Double(xy.get(0).getAsDouble(), xy.get(1).getAsDouble()));
        }
        return out;
    }

    private JsonObject scene(int index) throws IOException {
        JsonElement e = JsonParser.parseString(Files.readString(
                tmp.resolve(String.format(Locale.ROOT, "scenes/%06d.json", index)), StandardCharsets.UTF_8));
        return e.getAsJsonObject();
    }

    @Test
    void imageSizeIsConfigurable() throws Exception {
        GeometryReasoningTask small = new GeometryReasoningTask(new GeometrySettings(200, "{question}"));
        Sample s = small.load(small.generate(2, 1, tmp), false).get(0);
        BufferedImage image = ImageIO.read(s.prompt().images().get(0).path().toFile());
        assertEquals(200, image.getWidth());
        assertEquals(200, image.getHeight());
        assertEquals(s.question(), s.prompt().text());
        assertThrows(IllegalArgumentException.class, () -> new GeometrySettings(64, "{question}"));
        assertThrows(IllegalArgumentException.class, () -> new GeometrySettings(320, "no placeholder"));
    }

    @Test
    void configurationDefaultsAreTheDocumentedDefaults() {
        assertEquals(GeometrySettings.DEFAULTS,
                new GeometryReasoningTask(SharedData.defaults(GeometryReasoningTask.Config.class)).settings());
    }

    @Test
    void geoQaTestSetHasNoImages() throws Exception {
        Path file = SharedData.real().resolve("r1v-eval/geoqa_test_prompts.jsonl");
        DataException e = assertThrows(DataException.class, () -> task.load(file, false));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().startsWith(file + ":1: image not found: ./Geo170K/images/test/0.png"),
                e.getMessage());
        DatasetReport report = task.loadReport(file, true);
        assertEquals(0, report.samples().size());
        assertEquals(754, report.skipped().size());
    }

    /** GeoQA's ground truths as the judge reads them: every plain, fraction, root and pi form by value. */
    @Test
    void geoQaGroundTruthsReadAsValues() throws IOException {
        Path file = SharedData.real().resolve("r1v-eval/geoqa_test_prompts.jsonl");
        int read = 0;
        List<String> unread = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String truth = JsonParser.parseString(line).getAsJsonObject().get("ground_truth").getAsString();
            if (Answers.value(truth) != null) {
                read++;
            } else {
                unread.add(truth);
            }
        }
        assertEquals(754, read, "not read: " + unread);
        assertEquals(140.0, Answers.value("140°"));
    }

    @Test
    void perRunOptionsMakeANewTaskAndNameBadKeys() {
        GeometryReasoningTask shared = new GeometryReasoningTask();
        assertEquals(new GeometrySettings(256, Task.R1V_TEMPLATE),
                shared.withOptions(java.util.Map.of("image_size", 256)).settings());
        assertEquals(GeometrySettings.DEFAULTS, shared.settings());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> shared.withOptions(java.util.Map.of("prompt_template", "no placeholder")));
        assertTrue(e.getMessage().contains("task_options.prompt_template must contain {question}"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> shared.withOptions(java.util.Map.of("families", "x")));
    }

    @Test
    void familiesChooseTheProblems() throws Exception {
        GeometryReasoningTask two = task.withOptions(Map.of("families", List.of("lengths", "circle-angles")));
        assertEquals(List.of(0, 0, 0, 1, 1), List.copyOf(two.settings().families().weights().values()));
        two.generate(40, 2, tmp);
        TreeSet<String> families = new TreeSet<>();
        for (int i = 0; i < 40; i++) {
            families.add(scene(i).get("family").getAsString());
        }
        assertEquals(new TreeSet<>(List.of("circle-angles", "lengths")), families);
        GeometryReasoningTask weighted = task.withOptions(Map.of("families", Map.of("parallel-lines", 2)));
        List<Sample> samples = weighted.load(weighted.generate(5, 2, tmp.resolve("weighted")), false);
        assertEquals(5, samples.size());
        samples.forEach(s -> assertTrue(s.question().contains("AB parallel CD"), s.question()));
    }

    /** Every family at one weight, listed in another order, writes the same bytes as no option. */
    @Test
    void allFamiliesGivenAsAnOptionChangeNothing() throws Exception {
        GeometryReasoningTask explicit = task.withOptions(Map.of("families",
                List.of("lengths", "circle-angles", "angle-bisector", "parallel-lines", "triangle-angles")));
        assertEquals(GeometrySettings.DEFAULTS, explicit.settings());
        SharedData.assertSameData(task, explicit, 20, 6, tmp);
    }

    @Test
    void badFamiliesNameTheKeyAndTheValidFamilies() {
        assertEquals("task geometry-reasoning: task_options.families: unknown family 'circles'; valid: "
                + "triangle-angles, parallel-lines, angle-bisector, circle-angles, lengths",
                assertThrows(IllegalArgumentException.class,
                        () -> task.withOptions(Map.of("families", List.of("circles")))).getMessage());
        assertEquals("task geometry-reasoning: task_options.families: needs at least one family with a weight above"
                + " 0; valid: triangle-angles, parallel-lines, angle-bisector, circle-angles, lengths",
                assertThrows(IllegalArgumentException.class,
                        () -> task.withOptions(Map.of("families", Map.of("lengths", 0)))).getMessage());
    }
}
