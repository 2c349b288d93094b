package io.mr1.trainer.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.mr1.trainer.stats.PairedComparison;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentTableTest {

    /** A result line with the given per-item correctness on 10 items. */
    static JsonObject line(String arm, Long seed, String train, String test, String correct) {
        JsonObject o = new JsonObject();
        o.addProperty("arm", arm);
        o.addProperty("group", arm);
        o.addProperty("seed", seed);
        o.addProperty("train_task", train);
        o.addProperty("test_task", test);
        o.addProperty("items", correct.length());
        long right = correct.chars().filter(c -> c == '1').count();
        o.addProperty("accuracy", (double) right / correct.length());
        o.addProperty("lenient_accuracy", (double) right / correct.length());
        o.addProperty("format_rate", 1.0);
        o.addProperty("correct", correct);
        o.addProperty("wall_time_s", 10.0);
        return o;
    }

    static List<JsonObject> lines() {
        List<JsonObject> l = new ArrayList<>();
        l.add(line("base", null, null, "a", "1111000000")); // 40%
        l.add(line("sft", 1L, "a", "a", "1111100000")); // 50
        l.add(line("sft", 2L, "a", "a", "1111110000")); // 60
        l.add(line("sft", 3L, "a", "a", "1111111000")); // 70
        l.add(line("grpo-d", 1L, "a", "a", "1111111100")); // 80
        l.add(line("grpo-d", 2L, "a", "a", "1111111100")); // 80
        l.add(line("grpo-d", 3L, "a", "a", "1111111110")); // 90
        JsonObject point = line("beta[0.01]", 1L, "a", "a", "1000000000");
        point.addProperty("group", "beta");
        point.addProperty("sweep_key", "kl_schedule.beta");
        point.addProperty("sweep_value", 0.01);
        l.add(point);
        return l;
    }

    @Test
    void cellsAreMeansOverSeedsWithStudentIntervalsAndWilsonForTheBase() {
        ExperimentTable.Cell sft = ExperimentTable.cell(ExperimentTable.select(lines(), "sft", "a", "a"), "accuracy");
        assertEquals(0.6, sft.mean(), 1e-12);
        double half = 4.303 * 0.1 / Math.sqrt(3); // sd 0.1 over 3 seeds, t(2) = 4.303
        assertEquals(0.6 - half, sft.low(), 1e-12);
        assertEquals(0.6 + half, sft.high(), 1e-12);
        assertEquals(3, sft.seeds());
        assertTrue(sft.overSeeds());
        ExperimentTable.Cell base = ExperimentTable.cell(ExperimentTable.select(lines(), "base", "a", "a"), "accuracy");
        PairedComparison.Interval w = PairedComparison.wilson(4, 10);
        assertEquals(w.low(), base.low(), 1e-12);
        assertEquals(w.high(), base.high(), 1e-12);
        assertFalse(base.overSeeds());
        assertNull(ExperimentTable.cell(ExperimentTable.select(lines(), "sft", "a", "a"), "sampled_accuracy"));
    }

    @Test
    void pairedTestsPoolTheSeedsAndRepeatTheBase() {
        // grpo-d vs sft, seed by seed: 3 + 2 + 2 items gained, none lost
        PairedComparison.Comparison c = ExperimentTable.paired(lines(), "sft", "grpo-d", "a", "a", "accuracy");
        assertEquals(30, c.items());
        assertEquals(PairedComparison.mcnemarExact(0, 7), c.pValue(), 1e-15);
        assertEquals(0.7 / 3 * 1, c.change(), 1e-12);
        // vs the base: 4 + 4 + 5 gained
        PairedComparison.Comparison b = ExperimentTable.paired(lines(), "base", "grpo-d", "a", "a", "accuracy");
        assertEquals(PairedComparison.mcnemarExact(0, 13), b.pValue(), 1e-15);
        assertNull(ExperimentTable.paired(lines(), "sft", "grpo-d", "b", "a", "accuracy"));
    }

    @Test
    void theTableShowsCellsRelativeImprovementsAndTests() {
        String md = ExperimentTable.markdown("t", lines(), List.of("sft"), Map.of("seeds", "[1, 2, 3]"));
        assertTrue(md.contains("| base | 40.00 ["), md);
        assertTrue(md.contains("| + sft | 60.00 ["), md);
        assertTrue(md.contains("| + grpo-d | 83.33 ["), md);
        // (0.8333 - 0.6) / 0.6 = +38.89%, (0.8333 - 0.4) / 0.4 = +108.33%
        assertTrue(md.contains("| grpo-d | a | a | +108.33% | +38.89% |"), md);
        assertTrue(md.contains("| grpo-d | sft | a | a | 30 | +23.3 |"), md);
        assertTrue(md.contains("| training time, all arm runs (sum of step times) | 70 s |"), md);
        assertFalse(md.contains("Cross task"), "one task: no cross-task table");
        // Sweep points are not rows of the main tables; they have their own section.
        assertFalse(md.contains("| + beta[0.01] |"), md);
        assertTrue(md.contains("## Sweep beta: kl_schedule.beta"), md);
        assertTrue(md.contains("| 0.01 | a | a | 10.00 ["), md);
    }
}
