package io.mr1.reward.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares our judgement with R1-V's recorded one on real model outputs, and holds every
 * disagreement to the reviewed fixture {@code r1v-disagreements.tsv}.
 */
class R1vAgreementTest {

    private static final String COUNTING_BASE = "counting_results_superclevr_200_qwen2vl_2b_instruct_legacy.json";
    private static final String COUNTING_GRPO = "counting_results_superclevr_200_qwen2vl_2b_instruct_grpo100_legacy.json";
    private static final String GEOQA_BASE = "geoqa_test_qwen2vl_7b_instruct_legacy.json";
    private static final String GEOQA_GRPO = "geoqa_test_qwen2vl_7b_grpo_2epochs_legacy.json";
    private static final List<String> FILES = List.of(COUNTING_BASE, COUNTING_GRPO, GEOQA_BASE, GEOQA_GRPO);
    private static final Set<String> CLASSES = Set.of("r1v-wrong", "ours-wrong", "ambiguous");

    /** One judged item. */
    private record Item(String file, int index, String truth, String output, boolean ours, boolean r1v) {
        String key() {
            return file + "#" + index;
        }
    }

    /** One fixture row. */
    private record Row(String file, int index, String truth, boolean ours, boolean r1v, String cls, String reason) {
    }

    private static final Map<String, List<Item>> ITEMS = new LinkedHashMap<>();
    private static final Map<String, Double> RECORDED_ACCURACY = new LinkedHashMap<>();

    @BeforeAll
    static void judgeAll() throws IOException {
        Path dir = RealData.dir().resolve("r1v-eval");
        for (String file : FILES) {
            JsonObject root = JsonParser.parseString(Files.readString(dir.resolve(file))).getAsJsonObject();
            RECORDED_ACCURACY.put(file, root.get("accuracy").getAsDouble());
            JsonArray results = root.getAsJsonArray("results");
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                JsonObject result = results.get(i).getAsJsonObject();
                JsonElement truth = result.get("ground_truth");
                String output = result.get("model_output").getAsString();
                boolean r1v = result.has("is_correct") ? result.get("is_correct").getAsBoolean() : countingJudgement(result);
                boolean ours = AccuracyReward.scoreOne(output, truth.getAsString()).value() == 1.0;
                items.add(new Item(file, i, truth.getAsString(), output, ours, r1v));
            }
            ITEMS.put(file, items);
        }
    }

    /** R1-V's counting judgement: the extracted integer equals the ground truth. */
    private static boolean countingJudgement(JsonObject result) {
        JsonElement extracted = result.get("extracted_answer");
        return extracted != null && !extracted.isJsonNull()
                && extracted.getAsInt() == result.get("ground_truth").getAsInt();
    }

    @Test
    void everyDisagreementIsReviewedAndNoneIsOurs() throws IOException {
        Map<String, Row> fixture = readFixture();
        List<String> problems = new ArrayList<>();
        Map<String, Item> disagreements = new LinkedHashMap<>();
        for (List<Item> items : ITEMS.values()) {
            for (Item item : items) {
                if (item.ours() != item.r1v()) {
                    disagreements.put(item.key(), item);
                }
            }
        }
        for (Item item : disagreements.values()) {
            Row row = fixture.get(item.key());
            if (row == null) {
                String tail = item.output().substring(Math.max(0, item.output().length() - 300));
                problems.add("unreviewed disagreement " + item.key() + " truth=" + item.truth() + " ours=" + item.ours()
                        + " r1v=" + item.r1v() + " output tail: " + tail.replace("\n", "\\n"));
            } else if (row.ours() != item.ours() || row.r1v() != item.r1v() || !row.truth().equals(item.truth())) {
                problems.add("fixture row " + item.key() + " does not match the judgements now: " + row);
            }
        }
        for (Map.Entry<String, Row> entry : fixture.entrySet()) {
            Row row = entry.getValue();
            if (!disagreements.containsKey(entry.getKey())) {
                problems.add("fixture lists " + entry.getKey() + " but it is no longer a disagreement");
            }
            if (!CLASSES.contains(row.cls())) {
                problems.add("unknown class '" + row.cls() + "' for " + entry.getKey());
            }
            if ("ours-wrong".equals(row.cls())) {
                problems.add("classified ours-wrong, fix the reward: " + entry.getKey() + " " + row.reason());
            }
            if (row.reason().isBlank()) {
                problems.add("no reason given for " + entry.getKey());
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " problem(s) with r1v-disagreements.tsv:\n" + String.join("\n", problems));
        }
    }

    @Test
    void accuraciesPerFile() {
        // R1-V's recorded accuracy is reproduced from its per-item judgements (a check on how we read the files).
        for (String file : FILES) {
            List<Item> items = ITEMS.get(file);
            double r1v = 100.0 * items.stream().filter(Item::r1v).count() / items.size();
            assertEquals(RECORDED_ACCURACY.get(file), r1v, 1e-9, file);
        }
        // Ours: counting agrees item for item; on GeoQA ours is lower because R1-V also accepts
        // answers outside the tags and leading coefficients (10 for 10√2), see the fixture.
        assertEquals(96, correct(COUNTING_BASE));
        assertEquals(165, correct(COUNTING_GRPO));
        assertEquals(198, correct(GEOQA_BASE));
        assertEquals(276, correct(GEOQA_GRPO));
        for (String file : FILES) {
            List<Item> items = ITEMS.get(file);
            System.out.printf("%s: ours %.2f%% (%d/%d), R1-V recorded %.2f%%%n", file,
                    100.0 * correct(file) / items.size(), correct(file), items.size(), RECORDED_ACCURACY.get(file));
        }
    }

    private static long correct(String file) {
        return ITEMS.get(file).stream().filter(Item::ours).count();
    }

    @Test
    void realCountingSamplesScoreOneWithTheirOwnCount() throws IOException {
        List<String> lines = Files.readAllLines(RealData.dir().resolve("superclevr-samples/counting.jsonl"));
        List<Integer> counts = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String solution = JsonParser.parseString(line).getAsJsonObject().get("solution").getAsString();
            String count = solution.replace("<answer>", "").replace("</answer>", "").strip();
            counts.add(Integer.parseInt(count));
            String completion = "<think>I count the objects one by one.</think><answer>" + count + "</answer>";
            assertEquals(1.0, AccuracyReward.scoreOne(completion, count).value(), line);
            assertEquals(1.0, AccuracyReward.scoreOne(completion, solution).value(), "R1-V-wrapped truth: " + line);
            String wrong = "<think>x</think><answer>" + (Integer.parseInt(count) + 1) + "</answer>";
            assertEquals(0.0, AccuracyReward.scoreOne(wrong, count).value(), line);
        }
        assertEquals(List.of(7, 9, 5, 7, 8, 7, 8, 5, 8, 3), counts);
    }

    private static Map<String, Row> readFixture() throws IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        try (InputStream in = R1vAgreementTest.class.getResourceAsStream("/r1v-disagreements.tsv")) {
            assertTrue(in != null, "r1v-disagreements.tsv not on the test classpath");
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            boolean header = true;
            for (String line : lines) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    assertEquals("file\tindex\tground_truth\tour_judgement\tr1v_judgement\tclass\treason", line);
                    header = false;
                    continue;
                }
                String[] f = line.split("\t", -1);
                assertEquals(7, f.length, () -> "7 columns expected: " + line);
                Row row = new Row(f[0], Integer.parseInt(f[1]), f[2], bit(f[3]), bit(f[4]), f[5], f[6]);
                assertFalse(rows.containsKey(row.file() + "#" + row.index()), () -> "duplicate row: " + line);
                rows.put(row.file() + "#" + row.index(), row);
            }
        }
        return rows;
    }

    private static boolean bit(String value) {
        assertTrue(value.equals("0") || value.equals("1"), () -> "judgement must be 0 or 1: " + value);
        return value.equals("1");
    }
}
