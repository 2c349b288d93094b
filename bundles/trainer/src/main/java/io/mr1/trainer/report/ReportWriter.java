package io.mr1.trainer.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mr1.api.types.StepStats;
import io.mr1.core.io.AtomicFiles;
import io.mr1.trainer.run.BeforeAfter;
import io.mr1.trainer.run.Evaluator;
import io.mr1.trainer.stats.PairedComparison;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code report.html} for a run folder: the plots of metrics.jsonl as PNG images
 * (reward by reward function, accuracy, KL, beta, completion length, loss), the
 * evaluations, and the run's configuration. Self-contained: it opens from the folder in any
 * browser with no network.
 */
public final class ReportWriter {

    /** Prefix of the per-reward metrics ({@code rewards/NAME/mean}). */
    private static final String REWARDS = StepStats.KEYS.rewardMean("").replace("/mean", "");

    /** Metrics plotted on their own: key and caption. */
    private static final String[][] SINGLES = {
        {StepStats.KEYS.ACCURACY, "Accuracy (accuracy reward, training samples)"},
        {StepStats.KEYS.KL, "KL to the reference (mean per token)"}, {StepStats.KEYS.BETA, "KL weight beta(s)"},
        {StepStats.KEYS.COMPLETION_LENGTH, "Completion length (tokens)"}, {StepStats.KEYS.LOSS, "Loss"},
        {StepStats.KEYS.GRAD_NORM, "Gradient norm"}, {StepStats.KEYS.LEARNING_RATE, "Learning rate"},
        {StepStats.KEYS.STEP_TIME, "Wall time per step (s)"}};

    private ReportWriter() {
    }

    /**
     * One evaluation for the report's table.
     *
     * @param label e.g. "before GRPO-D" or "step 100"
     * @param result its figures
     */
    public record EvalRow(String label, Evaluator.Result result) {
    }

    /**
     * Writes plots and report.html.
     *
     * @param runDir the run folder (metrics.jsonl is read from it)
     * @param title the report title
     * @param evals evaluations to show
     * @param facts key facts (config summary, timings)
     * @return the report file
     * @throws IOException if writing fails
     */
    public static Path write(Path runDir, String title, List<EvalRow> evals, Map<String, String> facts)
            throws IOException {
        return write(runDir, title, evals, List.of(), facts);
    }

    /**
     * Writes plots and report.html with a before/after table above the evaluations.
     *
     * @param runDir the run folder (metrics.jsonl is read from it)
     * @param title the report title
     * @param evals evaluations to show
     * @param comparisons paired before/after statistics (the first one is the headline), or none
     * @param facts key facts (config summary, timings)
     * @return the report file
     * @throws IOException if writing fails
     */
    public static Path write(Path runDir, String title, List<EvalRow> evals, List<BeforeAfter.Row> comparisons,
                      Map<String, String> facts) throws IOException {
        Map<String, List<double[]>> series = readMetrics(runDir.resolve("metrics.jsonl"));
        Path plots = runDir.resolve("plots");
        Files.createDirectories(plots);
        List<String[]> images = new ArrayList<>();
        List<String> rewardKeys = series.keySet().stream().filter(k -> k.startsWith(REWARDS) && k.endsWith("/mean"))
                .toList();
        if (!rewardKeys.isEmpty() || series.containsKey("reward")) {
            LinePlot p = new LinePlot("Rewards", "step", "mean reward");
            for (String k : rewardKeys) {
                add(p, k.substring(REWARDS.length(), k.length() - "/mean".length()), series.get(k));
            }
            if (series.containsKey("reward")) {
                add(p, "total", series.get("reward"));
            }
            p.writePng(plots.resolve("rewards.png"));
            images.add(new String[] {"plots/rewards.png", "Reward by reward function (mean over completions)"});
        }
        for (String[] s : SINGLES) {
            if (series.containsKey(s[0])) {
                LinePlot p = new LinePlot(s[1], "step", s[0]);
                add(p, s[0], series.get(s[0]));
                String file = s[0].replace('/', '_') + ".png";
                p.writePng(plots.resolve(file));
                images.add(new String[] {"plots/" + file, s[1]});
            }
        }
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1700px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}"
                        + ".plots{display:flex;flex-wrap:wrap;gap:12px}.plots figure{margin:0}"
                        + ".plots img{width:800px;max-width:100%}</style></head><body>\n");
        html.append("<h1>").append(escape(title)).append("</h1>\n");
        if (!comparisons.isEmpty()) {
            html.append("<h2>Before and after, paired over the same items</h2>\n<table><tr><th>figure</th>"
                    + "<th>before</th><th>after</th><th>change (points)</th><th>p-value</th><th>verdict</th>"
                    + "<th>test</th></tr>\n");
            for (BeforeAfter.Row row : comparisons) {
                PairedComparison.Comparison c = row.comparison();
                html.append("<tr><td>").append(escape(row.label())).append("</td><td>")
                        .append(BeforeAfter.pct(c.before())).append("<br><small>95% CI ")
                        .append(BeforeAfter.range(c.beforeInterval())).append("</small></td><td>")
                        .append(BeforeAfter.pct(c.after())).append("<br><small>95% CI ")
                        .append(BeforeAfter.range(c.afterInterval())).append("</small></td><td>")
                        .append(BeforeAfter.points(c.change())).append("<br><small>95% CI ")
                        .append(BeforeAfter.points(c.changeInterval().low())).append(" to ")
                        .append(BeforeAfter.points(c.changeInterval().high())).append("</small></td><td>")
                        .append(escape(BeforeAfter.p(c.pValue()))).append("</td><td>")
                        .append(escape(BeforeAfter.verdict(c))).append("</td><td>").append(escape(c.test()))
                        .append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        if (!evals.isEmpty()) {
            boolean sampled = evals.stream().anyMatch(e -> e.result().sampled() != null);
            html.append("<h2>Evaluation</h2>\n<table><tr><th>when</th><th>items</th><th>accuracy (strict, greedy)</th>"
                    + "<th>accuracy (lenient)</th><th>format rate</th>"
                    + (sampled ? "<th>sampled pass@1 (strict)</th>" : "") + "</tr>\n");
            for (EvalRow e : evals) {
                html.append("<tr><td>").append(escape(e.label())).append("</td><td>").append(e.result().items())
                        .append("</td><td>").append(pct(e.result().accuracy())).append("</td><td>")
                        .append(pct(e.result().lenientAccuracy())).append("</td><td>")
                        .append(pct(e.result().formatRate()));
                if (sampled) {
                    Evaluator.Sampled s = e.result().sampled();
                    html.append("</td><td>").append(s == null ? "-" : pct(s.accuracy()) + " (" + s.samplesPerItem()
                            + " per item, T=" + s.temperature() + ")");
                }
                html.append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        html.append("<h2>Training</h2>\n<div class=\"plots\">\n");
        for (String[] img : images) {
            html.append("<figure><img src=\"").append(img[0]).append("\" alt=\"").append(escape(img[1]))
                    .append("\"><figcaption>").append(escape(img[1])).append("</figcaption></figure>\n");
        }
        html.append("</div>\n<h2>Run</h2>\n<table>\n");
        facts.forEach((k, v) -> html.append("<tr><th>").append(escape(k)).append("</th><td>").append(escape(v))
                .append("</td></tr>\n"));
        html.append("</table>\n<p>Files: <a href=\"config.json\">config.json</a>, <a href=\"metrics.jsonl\">"
                + "metrics.jsonl</a>, <a href=\"samples.jsonl\">samples.jsonl</a>.</p>\n</body></html>\n");
        Path report = runDir.resolve("report.html");
        AtomicFiles.writeString(report, html.toString());
        return report;
    }

    private static void add(LinePlot plot, String name, List<double[]> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        plot.add(name, x, y);
    }

    /** metrics.jsonl as series: key to (step, value) points; torn lines are skipped. */
    public static Map<String, List<double[]>> readMetrics(Path file) throws IOException {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (RuntimeException torn) {
                continue;
            }
            double step = o.get("step").getAsDouble();
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                if (!e.getKey().equals("step") && e.getValue().isJsonPrimitive()
                        && e.getValue().getAsJsonPrimitive().isNumber()) {
                    out.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                            .add(new double[] {step, e.getValue().getAsDouble()});
                }
            }
        }
        return out;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
