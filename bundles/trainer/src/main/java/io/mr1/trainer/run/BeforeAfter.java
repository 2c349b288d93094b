package io.mr1.trainer.run;

import io.mr1.trainer.stats.PairedComparison;
import io.mr1.trainer.stats.PairedComparison.Comparison;
import io.mr1.trainer.stats.PairedComparison.Interval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paired before/after statistics of two evaluations on the same held-out items (the demo's
 * headline): sampled pass@1 first, greedy accuracy beside it, each with its change, a 95%
 * interval and a p-value, as printed lines, {@code summary.json} keys and report rows.
 */
public final class BeforeAfter {

    /** Seed of the bootstrap and Monte Carlo permutations: fixed, so the statistics of a run are repeatable. */
    static final long SEED = 20250;

    /** Significance level the printed verdict uses. */
    static final double ALPHA = 0.05;

    private BeforeAfter() {
    }

    /**
     * One compared figure.
     *
     * @param key summary.json key prefix ({@code sampled_accuracy}, {@code accuracy})
     * @param label what it is, in words
     * @param comparison the statistics
     */
    public record Row(String key, String label, Comparison comparison) {
    }

    /**
     * Compares two evaluations item by item.
     *
     * @param before the evaluation before training
     * @param after the evaluation after training, on the same items in the same order
     * @return sampled pass@1 (when both measured it with the same k and temperature), then greedy accuracy
     * @throws IllegalArgumentException if the two did not evaluate the same items
     */
    public static List<Row> compare(Evaluator.Result before, Evaluator.Result after) {
        List<Object> idsBefore = before.outputs().stream().map(o -> o.get("id")).toList();
        List<Object> idsAfter = after.outputs().stream().map(o -> o.get("id")).toList();
        if (!idsBefore.equals(idsAfter)) {
            throw new IllegalArgumentException("before/after evaluations are not paired: they judged different items ("
                    + idsBefore.size() + " and " + idsAfter.size() + ")");
        }
        List<Row> rows = new ArrayList<>();
        Evaluator.Sampled sb = before.sampled();
        Evaluator.Sampled sa = after.sampled();
        if (sb != null && sa != null && sb.samplesPerItem() == sa.samplesPerItem()
                && sb.temperature() == sa.temperature()) {
            rows.add(new Row("sampled_accuracy", String.format(Locale.ROOT, "sampled pass@1 (%d samples per item, T=%s)",
                    sa.samplesPerItem(), sa.temperature()), PairedComparison.passRates(sb.correctPerItem(),
                    sa.correctPerItem(), sa.samplesPerItem(), SEED)));
        }
        rows.add(new Row("accuracy", "greedy accuracy", PairedComparison.correctness(before.correct(),
                after.correct(), SEED)));
        return rows;
    }

    /**
     * Adds {@code KEY_before}, {@code KEY_after}, {@code KEY_change}, their {@code _ci95} intervals
     * as [low, high], {@code KEY_p_value} and {@code KEY_test} for every row.
     *
     * @param summary the summary being built
     * @param rows the comparisons
     */
    public static void putInto(Map<String, Object> summary, List<Row> rows) {
        for (Row r : rows) {
            Comparison c = r.comparison();
            summary.put(r.key() + "_before", c.before());
            summary.put(r.key() + "_before_ci95", pair(c.beforeInterval()));
            summary.put(r.key() + "_after", c.after());
            summary.put(r.key() + "_after_ci95", pair(c.afterInterval()));
            summary.put(r.key() + "_change", c.change());
            summary.put(r.key() + "_change_ci95", pair(c.changeInterval()));
            summary.put(r.key() + "_p_value", c.pValue());
            summary.put(r.key() + "_test", c.test());
        }
    }

    /**
     * The printed lines: per row, the change with its interval, p-value and verdict, then the two
     * figures with their intervals and the test.
     *
     * @param rows the comparisons
     * @return lines to print
     */
    public static List<String> lines(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        for (Row r : rows) {
            Comparison c = r.comparison();
            lines.add(String.format(Locale.ROOT, "%s on %d held-out items: %s -> %s, %s points (95%% CI %s to %s), "
                            + "p %s: %s", r.label(), c.items(), pct(c.before()), pct(c.after()),
                    points(c.change()), points(c.changeInterval().low()), points(c.changeInterval().high()),
                    (c.pValue() < 1e-4 ? "" : "= ") + p(c.pValue()), verdict(c)));
            lines.add(String.format(Locale.ROOT, "  before GRPO-D %s (95%% CI %s), after GRPO-D %s (95%% CI %s); %s",
                    pct(c.before()), range(c.beforeInterval()), pct(c.after()), range(c.afterInterval()), c.test()));
        }
        return lines;
    }

    /** "a significant rise" / "a significant fall" / "within noise" at {@link #ALPHA}. */
    public static String verdict(Comparison c) {
        if (c.pValue() >= ALPHA) {
            return "within noise (not significant at the 5% level)";
        }
        return (c.change() > 0 ? "a significant rise" : "a significant fall") + " (at the 5% level)";
    }

    public static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    public static String range(Interval i) {
        return String.format(Locale.ROOT, "%.1f%% to %.1f%%", 100 * i.low(), 100 * i.high());
    }

    public static String points(double fraction) {
        return String.format(Locale.ROOT, "%+.1f", 100 * fraction);
    }

    /** Two significant digits, and "< 0.0001" below that. */
    public static String p(double p) {
        return p < 1e-4 ? "< 0.0001" : String.format(Locale.ROOT, "%.2g", p);
    }

    private static double[] pair(Interval i) {
        return new double[] {i.low(), i.high()};
    }
}
