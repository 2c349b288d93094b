package io.mr1.trainer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BeforeAfterTest {

    /** An evaluation of n items: greedy correct where {@code correct} says, {@code sampled[i]} of 4 samples right. */
    private static Evaluator.Result result(String prefix, boolean[] correct, int[] sampled) {
        List<Map<String, Object>> outputs = new ArrayList<>();
        int right = 0;
        int hits = 0;
        for (int i = 0; i < correct.length; i++) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", prefix + i);
            outputs.add(o);
            right += correct[i] ? 1 : 0;
            hits += sampled[i];
        }
        return new Evaluator.Result(correct.length, (double) right / correct.length, 0, 1, outputs,
                new Evaluator.Sampled(4, 1.0, hits / (4.0 * correct.length), 1, sampled), correct);
    }

    @Test
    void sampledPassAtOneLeadsAndGreedySitsBesideItWithItsOwnTest() {
        int n = 42;
        boolean[] greedyBefore = new boolean[n];
        boolean[] greedyAfter = new boolean[n];
        int[] sampledBefore = new int[n];
        int[] sampledAfter = new int[n];
        for (int i = 0; i < n; i++) {
            greedyBefore[i] = i < 10 || i >= 12 && i < 27; // McNemar b = 10, c = 2
            greedyAfter[i] = i >= 10 && i < 27;
            sampledBefore[i] = i % 4;
            sampledAfter[i] = Math.min(3, i % 4 + (i < 12 ? 1 : 0)); // items 0..11 gain one, except 3, 7, 11 (at 3)
        }
        List<BeforeAfter.Row> rows = BeforeAfter.compare(result("x", greedyBefore, sampledBefore),
                result("x", greedyAfter, sampledAfter));
        assertEquals(List.of("sampled_accuracy", "accuracy"), rows.stream().map(BeforeAfter.Row::key).toList());

        Map<String, Object> summary = new LinkedHashMap<>();
        BeforeAfter.putInto(summary, rows);
        assertEquals(25 / 42.0, (Double) summary.get("accuracy_before"), 1e-12);
        assertEquals(17 / 42.0, (Double) summary.get("accuracy_after"), 1e-12);
        assertEquals(0.03857421875, (Double) summary.get("accuracy_p_value"), 1e-12);
        for (String key : List.of("sampled_accuracy", "accuracy")) {
            for (String suffix : List.of("_before", "_after", "_change", "_p_value", "_test", "_before_ci95",
                    "_after_ci95", "_change_ci95")) {
                assertTrue(summary.containsKey(key + suffix), key + suffix + " missing: " + summary.keySet());
            }
        }
        double[] ci = (double[]) summary.get("accuracy_before_ci95");
        assertTrue(ci[0] < 25 / 42.0 && 25 / 42.0 < ci[1]);
        // sampled: 9 items gain one correct sample of 4
        assertEquals(9 / (4.0 * 42), (Double) summary.get("sampled_accuracy_change"), 1e-12);
        // 9 items changed, all upwards: exact sign-flip p = 2 / 2^9
        assertEquals(2 / 512.0, (Double) summary.get("sampled_accuracy_p_value"), 1e-12);

        List<String> lines = BeforeAfter.lines(rows);
        assertTrue(lines.get(0).startsWith("sampled pass@1 (4 samples per item, T=1.0) on 42 held-out items: "),
                lines.get(0));
        assertTrue(lines.get(0).contains("p = 0.0039: a significant rise"), lines.get(0));
        assertTrue(lines.get(2).startsWith("greedy accuracy on 42 held-out items: 59.5% -> 40.5%, -19.0 points"),
                lines.get(2));
        assertTrue(lines.get(2).contains("p = 0.039: a significant fall"), lines.get(2));
        assertTrue(lines.get(3).contains("exact McNemar"), lines.get(3));
    }

    @Test
    void tinyPValuesArePrintedAsABound() {
        assertEquals("< 0.0001", BeforeAfter.p(4.99975e-05));
        assertEquals("0.039", BeforeAfter.p(0.03857421875));
        assertEquals("1.0", BeforeAfter.p(1.0));
    }

    @Test
    void unchangedEvaluationsAreWithinNoiseAndUnpairedOnesRejected() {
        boolean[] greedy = {true, false, true, true};
        int[] sampled = {1, 2, 3, 4};
        List<BeforeAfter.Row> rows = BeforeAfter.compare(result("a", greedy, sampled), result("a", greedy, sampled));
        for (BeforeAfter.Row r : rows) {
            assertEquals(1.0, r.comparison().pValue());
            assertEquals(0.0, r.comparison().change());
            assertTrue(BeforeAfter.verdict(r.comparison()).startsWith("within noise"));
        }
        assertArrayEquals(new double[] {0, 0}, new double[] {rows.get(0).comparison().changeInterval().low(),
            rows.get(0).comparison().changeInterval().high()});
        assertThrows(IllegalArgumentException.class,
                () -> BeforeAfter.compare(result("a", greedy, sampled), result("b", greedy, sampled)));
    }
}
