package io.mr1.trainer.experiment;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mr1.trainer.stats.PairedComparison;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * table.md from results.jsonl alone, shaped like the paper's Table 1: rows are the base and
 * each arm, columns the test tasks (same task: the arm trained on that task; cross task: trained
 * on another), each cell the mean over seeds with a 95% interval; then the paper's relative
 * improvements (vs the base and the reference arms) and paired tests between arms on the same
 * items and seeds; sweep points in a section of their own.
 *
 * <p>Intervals: over seeds (Student's t, n - 1 degrees of freedom) when a cell has two or more
 * seeds — the variation that retraining brings; for the base (evaluated once, it is not
 * trained) and one-seed cells, the Wilson interval over items. Paired tests pool the items of
 * every seed the two arms share (the base's items repeat for each seed): the exact McNemar test
 * for greedy correctness, the sign-flip permutation test for sampled pass rates
 * ({@link PairedComparison}); item-seed pairs are treated as independent units.
 */
public final class ExperimentTable {

    /** Two-sided 95% Student t quantiles for 1..30 degrees of freedom. */
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};
    /** Seed of the paired bootstraps and permutations. */
    private static final long SEED = 20250320L;

    private ExperimentTable() {
    }

    /**
     * A cell: one figure of one arm trained on one task and tested on one task.
     *
     * @param mean mean over seeds
     * @param low lower end of its 95% interval
     * @param high upper end
     * @param seeds how many seeds (results) it averages
     * @param overSeeds whether the interval is over seeds (else Wilson over items)
     */
    public record Cell(double mean, double low, double high, int seeds, boolean overSeeds) {
    }

    /**
     * The results of one arm in one cell.
     *
     * @param lines results.jsonl
     * @param arm the arm (or "base")
     * @param trainTask the train task (ignored for the base)
     * @param testTask the test task
     * @return its lines, seed order
     */
    public static List<JsonObject> select(List<JsonObject> lines, String arm, String trainTask, String testTask) {
        return lines.stream().filter(o -> o.get("arm").getAsString().equals(arm)
                && o.get("test_task").getAsString().equals(testTask)
                && (arm.equals("base") || trainTask.equals(string(o, "train_task")))).toList();
    }

    /**
     * A cell's mean and interval.
     *
     * @param lines its results (one per seed)
     * @param metric accuracy, lenient_accuracy, format_rate or sampled_accuracy
     * @return the cell, or null when there is no result or the metric was not measured
     */
    public static Cell cell(List<JsonObject> lines, String metric) {
        List<Double> values = new ArrayList<>();
        for (JsonObject o : lines) {
            if (o.has(metric) && !o.get(metric).isJsonNull()) {
                values.add(o.get(metric).getAsDouble());
            }
        }
        if (values.isEmpty()) {
            return null;
        }
        int n = values.size();
        double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
        if (n >= 2) {
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            double half = t95(n - 1) * Math.sqrt(ss / (n - 1) / n);
            return new Cell(mean, Math.max(0, mean - half), Math.min(1, mean + half), n, true);
        }
        JsonObject o = lines.get(0);
        int items = o.get("items").getAsInt();
        long trials = metric.startsWith("sampled") ? (long) items * o.get("samples_per_item").getAsInt() : items;
        PairedComparison.Interval w = PairedComparison.wilson(Math.round(mean * trials), trials);
        return new Cell(mean, w.low(), w.high(), 1, false);
    }

    static double t95(int df) {
        return df <= T95.length ? T95[df - 1] : 1.96 + 2.4 / df;
    }

    /**
     * The table.
     *
     * @param name the experiment's name
     * @param lines results.jsonl
     * @param references arms the relative improvements and paired tests refer to, besides the base
     * @param facts what was run (model, data sizes, steps, seeds, time)
     * @return table.md's text
     */
    public static String markdown(String name, List<JsonObject> lines, List<String> references,
                                  Map<String, String> facts) {
        Set<String> arms = new LinkedHashSet<>();
        Set<String> tests = new LinkedHashSet<>();
        Set<String> trains = new LinkedHashSet<>();
        boolean sampled = false;
        double trainSeconds = 0;
        for (JsonObject o : lines) {
            tests.add(o.get("test_task").getAsString());
            if (!o.get("arm").getAsString().equals("base")) {
                if (!o.has("sweep_key")) {
                    arms.add(o.get("arm").getAsString()); // sweep points have their own section
                }
                trains.add(string(o, "train_task"));
                if (o.get("test_task").getAsString().equals(string(o, "train_task"))
                        && o.has("wall_time_s") && !o.get("wall_time_s").isJsonNull()) {
                    trainSeconds += o.get("wall_time_s").getAsDouble(); // once per run: its same-task line
                }
            }
            sampled |= o.has("sampled_accuracy");
        }
        StringBuilder md = new StringBuilder();
        md.append("# Experiment ").append(name).append("\n\n## What was run\n\n| | |\n|---|---|\n");
        facts.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
        md.append(String.format(Locale.ROOT, "| training time, all arm runs (sum of step times) | %.0f s |%n",
                trainSeconds));
        md.append("\nCells: mean over seeds, in %, with a 95% interval in brackets — over seeds (Student's t) for"
                + " trained arms with two or more seeds; Wilson over items for the base (evaluated once, it is not"
                + " trained) and single-seed cells. Measured as run, not tuned per seed.\n");
        String[][] figures = sampled
                ? new String[][] {{"accuracy", "greedy accuracy (strict)"},
                    {"sampled_accuracy", "sampled pass@1 (strict)"},
                    {"lenient_accuracy", "greedy accuracy (lenient)"}, {"format_rate", "format rate (greedy)"}}
                : new String[][] {{"accuracy", "greedy accuracy (strict)"},
                    {"lenient_accuracy", "greedy accuracy (lenient)"}, {"format_rate", "format rate (greedy)"}};
        for (String[] f : figures) {
            md.append("\n## Same task: ").append(f[1]).append("\n\n| model |");
            tests.forEach(t -> md.append(" ").append(t).append(" |"));
            md.append("\n|---|").append("---|".repeat(tests.size())).append("\n| base |");
            tests.forEach(t -> md.append(" ").append(format(cell(select(lines, "base", null, t), f[0]))).append(" |"));
            md.append("\n");
            for (String arm : arms) {
                md.append("| + ").append(arm).append(" |");
                tests.forEach(t -> md.append(" ").append(format(cell(select(lines, arm, t, t), f[0]))).append(" |"));
                md.append("\n");
            }
            List<String[]> cross = crossCells(trains, tests);
            if (!cross.isEmpty() && (f[0].equals("accuracy") || f[0].equals("sampled_accuracy"))) {
                md.append("\n## Cross task: ").append(f[1]).append("\n\n| model |");
                cross.forEach(c -> md.append(" trained on ").append(c[0]).append(", tested on ").append(c[1])
                        .append(" |"));
                md.append("\n|---|").append("---|".repeat(cross.size())).append("\n| base |");
                cross.forEach(c -> md.append(" ").append(format(cell(select(lines, "base", null, c[1]), f[0])))
                        .append(" |"));
                md.append("\n");
                for (String arm : arms) {
                    md.append("| + ").append(arm).append(" |");
                    cross.forEach(c -> md.append(" ").append(format(cell(select(lines, arm, c[0], c[1]), f[0])))
                            .append(" |"));
                    md.append("\n");
                }
            }
        }
        List<String> refs = new ArrayList<>();
        refs.add("base");
        refs.addAll(references);
        List<String[]> all = new ArrayList<>();
        for (String train : trains) {
            for (String test : tests) {
                all.add(new String[] {train, test});
            }
        }
        for (String[] f : sampled ? new String[][] {{"accuracy", "greedy accuracy"}, {"sampled_accuracy",
            "sampled pass@1"}} : new String[][] {{"accuracy", "greedy accuracy"}}) {
            md.append("\n## Relative improvement, ").append(f[1]).append(" ((arm - reference) / reference, as the"
                    + " paper reports)\n\n| arm | trained on | tested on |");
            refs.forEach(r -> md.append(" vs ").append(r).append(" |"));
            md.append("\n|---|---|---|").append("---|".repeat(refs.size())).append("\n");
            for (String arm : arms) {
                for (String[] c : all) {
                    Cell a = cell(select(lines, arm, c[0], c[1]), f[0]);
                    if (a == null) {
                        continue;
                    }
                    md.append("| ").append(arm).append(" | ").append(c[0]).append(" | ").append(c[1]).append(" |");
                    for (String r : refs) {
                        Cell b = cell(select(lines, r, c[0], c[1]), f[0]);
                        md.append(" ").append(r.equals(arm) || b == null ? "-" : b.mean() == 0 ? "n/a (reference 0)"
                                : String.format(Locale.ROOT, "%+.2f%%", 100 * (a.mean() - b.mean()) / b.mean()))
                                .append(" |");
                    }
                    md.append("\n");
                }
            }
            md.append("\n## Paired tests, ").append(f[1]).append(" (arm against reference on the same items and"
                    + " seeds)\n\n| arm | reference | trained on | tested on | pairs | change (points) | 95% CI"
                    + " (points) | p-value | at 5% |\n|---|---|---|---|---|---|---|---|---|\n");
            for (String arm : arms) {
                for (String r : refs) {
                    if (r.equals(arm)) {
                        continue;
                    }
                    for (String[] c : all) {
                        PairedComparison.Comparison cmp = paired(lines, r, arm, c[0], c[1], f[0]);
                        if (cmp == null) {
                            continue;
                        }
                        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %+.1f | %+.1f to %+.1f | %s |"
                                        + " %s |%n", arm, r, c[0], c[1], cmp.items(), 100 * cmp.change(),
                                100 * cmp.changeInterval().low(), 100 * cmp.changeInterval().high(),
                                pValue(cmp.pValue()), cmp.pValue() < 0.05 ? (cmp.change() > 0 ? "better" : "worse")
                                        : "no significant difference"));
                    }
                }
            }
        }
        md.append("\nGreedy: exact McNemar test on the item-seed pairs; sampled pass@1: paired sign-flip"
                + " permutation test on per-item pass rates; change intervals: paired bootstrap over the pairs.\n");
        appendSweeps(md, lines, tests, trains, sampled);
        return md.toString();
    }

    private static void appendSweeps(StringBuilder md, List<JsonObject> lines, Set<String> tests, Set<String> trains,
                                     boolean sampled) {
        Set<String> groups = new LinkedHashSet<>();
        lines.stream().filter(o -> o.has("sweep_key")).forEach(o -> groups.add(o.get("group").getAsString()));
        for (String group : groups) {
            List<JsonObject> points = lines.stream().filter(o -> group.equals(string(o, "group"))).toList();
            String key = points.get(0).get("sweep_key").getAsString();
            Set<String> arms = new LinkedHashSet<>();
            points.forEach(o -> arms.add(o.get("arm").getAsString()));
            md.append("\n## Sweep ").append(group).append(": ").append(key).append("\n\n| ").append(key)
                    .append(" | trained on | tested on | greedy accuracy |").append(sampled ? " sampled pass@1 |" : "")
                    .append("\n|---|---|---|---|").append(sampled ? "---|" : "").append("\n");
            for (String arm : arms) {
                double value = points.stream().filter(o -> o.get("arm").getAsString().equals(arm)).findFirst()
                        .orElseThrow().get("sweep_value").getAsDouble();
                for (String train : trains) {
                    for (String test : tests) {
                        List<JsonObject> sel = select(lines, arm, train, test);
                        if (sel.isEmpty()) {
                            continue;
                        }
                        md.append("| ").append(ExperimentSpec.format(value)).append(" | ").append(train).append(" | ")
                                .append(test).append(" | ").append(format(cell(sel, "accuracy"))).append(" |");
                        if (sampled) {
                            md.append(" ").append(format(cell(sel, "sampled_accuracy"))).append(" |");
                        }
                        md.append("\n");
                    }
                }
            }
        }
    }

    /** Train/test pairs where they differ, in order. */
    static List<String[]> crossCells(Set<String> trains, Set<String> tests) {
        List<String[]> out = new ArrayList<>();
        for (String train : trains) {
            for (String test : tests) {
                if (!train.equals(test)) {
                    out.add(new String[] {train, test});
                }
            }
        }
        return out;
    }

    /**
     * A paired comparison of an arm against a reference in one cell, pooling the seeds both have.
     *
     * @param lines results.jsonl
     * @param reference the reference arm (or "base")
     * @param arm the arm
     * @param train its train task
     * @param test the test task
     * @param metric accuracy or sampled_accuracy
     * @return the comparison, or null without shared seeds or per-item results
     */
    public static PairedComparison.Comparison paired(List<JsonObject> lines, String reference, String arm,
                                                     String train, String test, String metric) {
        List<JsonObject> a = select(lines, arm, train, test);
        List<JsonObject> r = select(lines, reference, train, test);
        if (a.isEmpty() || r.isEmpty()) {
            return null;
        }
        StringBuilder before = new StringBuilder();
        StringBuilder after = new StringBuilder();
        List<Integer> sb = new ArrayList<>();
        List<Integer> sa = new ArrayList<>();
        int k = 0;
        for (JsonObject o : a) {
            JsonObject ref = reference.equals("base") ? r.get(0) : r.stream()
                    .filter(x -> Objects.equals(string(x, "seed"), string(o, "seed"))).findFirst().orElse(null);
            if (ref == null || ref.get("items").getAsInt() != o.get("items").getAsInt()) {
                continue;
            }
            if (metric.equals("accuracy")) {
                before.append(ref.get("correct").getAsString());
                after.append(o.get("correct").getAsString());
            } else {
                if (!o.has("sampled_correct") || !ref.has("sampled_correct")) {
                    return null;
                }
                k = o.get("samples_per_item").getAsInt();
                if (ref.get("samples_per_item").getAsInt() != k) {
                    return null;
                }
                ref.getAsJsonArray("sampled_correct").forEach(e -> sb.add(e.getAsInt()));
                o.getAsJsonArray("sampled_correct").forEach(e -> sa.add(e.getAsInt()));
            }
        }
        if (metric.equals("accuracy")) {
            if (before.isEmpty()) {
                return null;
            }
            return PairedComparison.correctness(bits(before), bits(after), SEED);
        }
        if (sb.isEmpty()) {
            return null;
        }
        return PairedComparison.passRates(sb.stream().mapToInt(Integer::intValue).toArray(),
                sa.stream().mapToInt(Integer::intValue).toArray(), k, SEED);
    }

    private static boolean[] bits(CharSequence s) {
        boolean[] b = new boolean[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = s.charAt(i) == '1';
        }
        return b;
    }

    static String format(Cell c) {
        if (c == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f [%.2f, %.2f]", 100 * c.mean(), 100 * c.low(), 100 * c.high());
    }

    private static String pValue(double p) {
        return p < 1e-4 ? "< 0.0001" : String.format(Locale.ROOT, "%.4f", p);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
