package io.mr1.trainer.metrics;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.report.RunReporter;
import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TrainingListener;
import io.mr1.trainer.report.ReportWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Feeds the run's {@code report_to} reporters (TensorBoard): every metric of every step as a
 * scalar under {@code train/NAME} (the KL weight as {@code train/beta}, so the beta curve is
 * one of them), every {@code samples_every} steps the first prompt's completions with their
 * rewards as a markdown table under {@code samples}, and the backend of the run as text under
 * {@code backend} when training begins and at every switch.
 */
public final class ReportToListener implements TrainingListener {

    /** Prefix of scalar tags (as transformers' TensorBoard callback names training logs). */
    public static final String PREFIX = "train/";

    private final List<RunReporter> reporters;
    private final Path runDir;
    private final int samplesEvery;
    private final List<RunReporter.Writer> writers = new ArrayList<>();

    /**
     * Creates the listener; writers open when training begins.
     *
     * @param reporters the run's reporters
     * @param runDir the run folder
     * @param samplesEvery steps between sample texts (0: none)
     */
    public ReportToListener(List<RunReporter> reporters, Path runDir, int samplesEvery) {
        this.reporters = List.copyOf(reporters);
        this.runDir = runDir;
        this.samplesEvery = samplesEvery;
    }

    @Override
    public void onTrainingBegin(long startStep, long totalSteps) throws IOException {
        for (RunReporter r : reporters) {
            writers.add(r.open(runDir, startStep));
        }
    }

    @Override
    public void onBackend(long step, String from, PolicyBackend to) throws IOException {
        String text = from == null || from.equals(to.name()) ? "step " + step + ": backend " + to.name()
                : "step " + step + ": switched backend " + from + " → " + to.name();
        for (RunReporter.Writer w : writers) {
            w.text(step, "backend", text);
        }
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
        long step = outcome.stats().step();
        Map<String, Double> scalars = new LinkedHashMap<>();
        outcome.stats().values().forEach((k, v) -> scalars.put(PREFIX + k, v));
        String samples = samplesEvery > 0 && step % samplesEvery == 0 ? samples(outcome) : null;
        for (RunReporter.Writer w : writers) {
            w.scalars(step, scalars);
            if (samples != null) {
                w.text(step, "samples", samples);
            }
        }
    }

    /** The first prompt's completions and rewards as a markdown table, or null when nothing was sampled. */
    static String samples(StepOutcome outcome) {
        if (outcome.completions().isEmpty() || outcome.completions().get(0).isEmpty()) {
            return null;
        }
        List<Completion> group = outcome.completions().get(0);
        List<RewardBreakdown> rewards = outcome.breakdowns().get(0);
        StringBuilder md = new StringBuilder("prompt `" + group.get(0).promptId() + "`\n\n| # | completion | reward |\n"
                + "|---|---|---|\n");
        for (int i = 0; i < group.size(); i++) {
            // Completions are shown as text, not markup: a table cell, tags escaped.
            String text = ReportWriter.escape(group.get(i).text()).replace("|", "\\|").replace("\n", " ");
            md.append("| ").append(i).append(" | ").append(text).append(" | ")
                    .append(String.format(Locale.ROOT, "%.3f", rewards.get(i).total())).append(" |\n");
        }
        return md.toString();
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (RunReporter.Writer w : writers) {
            try {
                w.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        writers.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
