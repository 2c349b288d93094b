package io.mr1.trainer.experiment;

import com.google.gson.JsonObject;
import io.mr1.api.types.StepStats;
import io.mr1.core.io.AtomicFiles;
import io.mr1.trainer.report.LinePlot;
import io.mr1.trainer.report.ReportWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * report.html of an experiment: every arm's training curves overlaid per train task (each
 * curve the mean over seeds at each step: reward, training accuracy, KL, beta, completion
 * length), accuracy against the swept parameter for each sweep with its 95% interval, and
 * table.md. PNG plots beside it; opens from the folder with no network.
 */
public final class ExperimentReport {

    /** Curves overlaid across arms: metrics.jsonl key and caption. */
    static final String[][] CURVES = {{StepStats.KEYS.REWARD, "Reward (total, mean over completions)"},
        {StepStats.KEYS.ACCURACY, "Accuracy reward (training samples)"},
        {StepStats.KEYS.KL, "KL to the reference (mean per token)"}, {StepStats.KEYS.BETA, "KL weight beta(s)"},
        {StepStats.KEYS.COMPLETION_LENGTH, "Completion length (tokens)"}, {StepStats.KEYS.LOSS, "Loss"}};

    private ExperimentReport() {
    }

    /**
     * Writes plots/ and report.html.
     *
     * @param dir the experiment folder (table.md is read from it)
     * @param spec the experiment
     * @param plan its layout
     * @param lines results.jsonl
     * @param facts what was run
     * @return the report file
     * @throws IOException if writing fails
     */
    public static Path write(Path dir, ExperimentSpec spec, ExperimentPlan plan, List<JsonObject> lines,
                             Map<String, String> facts) throws IOException {
        Path plots = dir.resolve("plots");
        Files.createDirectories(plots);
        List<String[]> images = new ArrayList<>();
        // The main arms overlaid, and each sweep's points overlaid on their own (one plot per
        // group keeps the legend readable).
        Map<String, List<ExperimentSpec.Arm>> groups = new LinkedHashMap<>();
        for (ExperimentSpec.Arm arm : spec.arms()) {
            groups.computeIfAbsent(arm.swept() ? arm.group() : "", k -> new ArrayList<>()).add(arm);
        }
        for (Map.Entry<String, List<ExperimentSpec.Arm>> group : groups.entrySet()) {
            String which = group.getKey().isEmpty() ? "" : "sweep " + group.getKey() + ", ";
            for (String train : spec.trainOn()) {
                for (String[] curve : CURVES) {
                    LinePlot plot = new LinePlot(curve[1] + ", " + which + "trained on " + train, "step", curve[0]);
                    int series = 0;
                    for (ExperimentSpec.Arm arm : group.getValue()) {
                        double[][] mean = meanCurve(plan, arm, train, curve[0]);
                        if (mean != null) {
                            plot.add(arm.name(), mean[0], mean[1]);
                            series++;
                        }
                    }
                    if (series > 0) {
                        String file = "train-" + (group.getKey().isEmpty() ? "" : group.getKey() + "-") + train + "-"
                                + curve[0].replace('/', '_') + ".png";
                        plot.writePng(plots.resolve(file));
                        images.add(new String[] {"plots/" + file, curve[1] + ", " + which + "trained on " + train
                                + " (mean over seeds)"});
                    }
                }
            }
        }
        List<String[]> sweeps = sweepPlots(spec, lines, plots);
        StringBuilder html = new StringBuilder();
        String title = "mr1 experiment: " + spec.name();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(ReportWriter.escape(title)).append("</title>\n<style>body{font-family:sans-serif;margin:2em;"
                        + "max-width:1700px}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px 10px;"
                        + "text-align:left}.plots{display:flex;flex-wrap:wrap;gap:12px}.plots figure{margin:0}"
                        + ".plots img{width:800px;max-width:100%}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
                        + "</style></head><body>\n<h1>").append(ReportWriter.escape(title)).append("</h1>\n");
        html.append("<h2>What was run</h2>\n<table>\n");
        facts.forEach((k, v) -> html.append("<tr><th>").append(ReportWriter.escape(k)).append("</th><td>")
                .append(ReportWriter.escape(v)).append("</td></tr>\n"));
        html.append("</table>\n");
        if (!sweeps.isEmpty()) {
            html.append("<h2>Sweeps</h2>\n<div class=\"plots\">\n");
            figures(html, sweeps);
            html.append("</div>\n");
        }
        html.append("<h2>Training curves, all arms overlaid</h2>\n<div class=\"plots\">\n");
        figures(html, images);
        html.append("</div>\n<h2>Table</h2>\n<pre>");
        Path table = dir.resolve("table.md");
        if (Files.exists(table)) {
            html.append(ReportWriter.escape(Files.readString(table, StandardCharsets.UTF_8)));
        }
        html.append("</pre>\n<p>Files: <a href=\"table.md\">table.md</a>, <a href=\"results.jsonl\">results.jsonl</a>,"
                + " runs/ (every run's own report.html).</p>\n</body></html>\n");
        Path report = dir.resolve("report.html");
        AtomicFiles.writeString(report, html.toString());
        return report;
    }

    /** An arm's metric on one train task, the mean over its seeds at each step; null when never logged. */
    private static double[][] meanCurve(ExperimentPlan plan, ExperimentSpec.Arm arm, String train, String key)
            throws IOException {
        TreeMap<Double, double[]> sum = new TreeMap<>(); // step -> (sum, count)
        for (ExperimentPlan.ArmRun run : plan.runs()) {
            if (run.arm().equals(arm) && run.trainTask().equals(train)) {
                for (double[] p : ReportWriter.readMetrics(run.folder().resolve("metrics.jsonl"))
                        .getOrDefault(key, List.of())) {
                    if (!Double.isNaN(p[1])) {
                        double[] s = sum.computeIfAbsent(p[0], k -> new double[2]);
                        s[0] += p[1];
                        s[1]++;
                    }
                }
            }
        }
        if (sum.isEmpty()) {
            return null;
        }
        return new double[][] {sum.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
            sum.values().stream().mapToDouble(s -> s[0] / s[1]).toArray()};
    }

    private static void figures(StringBuilder html, List<String[]> images) {
        for (String[] img : images) {
            html.append("<figure><img src=\"").append(img[0]).append("\" alt=\"").append(ReportWriter.escape(img[1]))
                    .append("\"><figcaption>").append(ReportWriter.escape(img[1])).append("</figcaption></figure>\n");
        }
    }

    /** Per sweep and train/test pair: greedy accuracy (and sampled pass@1) against the value, with interval ends. */
    private static List<String[]> sweepPlots(ExperimentSpec spec, List<JsonObject> lines, Path plots)
            throws IOException {
        List<String[]> images = new ArrayList<>();
        Map<String, List<ExperimentSpec.Arm>> groups = new LinkedHashMap<>();
        spec.arms().stream().filter(ExperimentSpec.Arm::swept)
                .forEach(a -> groups.computeIfAbsent(a.group(), k -> new ArrayList<>()).add(a));
        Set<String> tests = new LinkedHashSet<>();
        spec.tasks().forEach(t -> tests.add(t.id()));
        for (Map.Entry<String, List<ExperimentSpec.Arm>> g : groups.entrySet()) {
            String key = g.getValue().get(0).sweepKey();
            for (String train : spec.trainOn()) {
                for (String test : tests) {
                    LinePlot plot = new LinePlot("Sweep " + g.getKey() + ": trained on " + train + ", tested on "
                            + test, key, "accuracy");
                    boolean drawn = false;
                    for (String[] metric : new String[][] {{"accuracy", "greedy"}, {"sampled_accuracy", "sampled"}}) {
                        int n = g.getValue().size();
                        double[] x = new double[n];
                        double[] mean = new double[n];
                        double[] low = new double[n];
                        double[] high = new double[n];
                        boolean any = false;
                        for (int i = 0; i < n; i++) {
                            ExperimentSpec.Arm arm = g.getValue().get(i);
                            x[i] = arm.sweepValue();
                            ExperimentTable.Cell c = ExperimentTable.cell(
                                    ExperimentTable.select(lines, arm.name(), train, test), metric[0]);
                            mean[i] = c == null ? Double.NaN : c.mean();
                            low[i] = c == null ? Double.NaN : c.low();
                            high[i] = c == null ? Double.NaN : c.high();
                            any |= c != null;
                        }
                        if (any) {
                            plot.add(metric[1] + " (mean)", x, mean);
                            plot.add(metric[1] + " 95% low", x, low);
                            plot.add(metric[1] + " 95% high", x, high);
                            drawn = true;
                        }
                    }
                    if (!drawn) {
                        continue;
                    }
                    String file = "sweep-" + g.getKey() + "-" + train + "-" + test + ".png";
                    plot.writePng(plots.resolve(file));
                    images.add(new String[] {"plots/" + file, "Sweep " + g.getKey() + " (" + key + "): trained on "
                            + train + ", tested on " + test + "; mean over seeds with its 95% interval"});
                }
            }
        }
        return images;
    }
}
