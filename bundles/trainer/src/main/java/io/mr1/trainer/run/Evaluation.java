package io.mr1.trainer.run;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.trainer.loop.StepAbandoned;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TrainingListener;
import io.mr1.trainer.loop.TrainingLoop;
import io.mr1.trainer.metrics.Progress;
import io.mr1.trainer.report.ReportWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evaluates on the held-out data every {@code eval_every} steps (in memory, after the update)
 * and at the end (loading the final checkpoint, so a resumed run is evaluated on exactly the
 * weights an uninterrupted one saved), writing {@code eval/step-N.json} and keeping the rows
 * for the report. One guard of judge calls serves the whole run: a judge disabled for timing out
 * stays disabled, and a stop request gives up on the evaluation in progress (nothing of it is
 * written; the loop then checkpoints and stops, and {@code --resume} runs a missing final
 * evaluation).
 */
final class Evaluation implements TrainingListener {

    /**
     * Seed of the sampled pass@1 streams: fixed, not the run's seed, so that evaluations of
     * different runs on the same held-out file (before and after GRPO-D) are paired.
     */
    static final long SAMPLED_EVAL_SEED = 12345;

    private final RunConfig config;
    private final RunFolder folder;
    private PolicyBackend backend;
    private final Task task;
    private final List<Sample> eval;
    private final Progress progress;
    private final List<ReportWriter.EvalRow> rows = new ArrayList<>();
    private final io.mr1.trainer.grpo.PluginCall judges;
    private Evaluator.Result last;
    private boolean abandoned;

    Evaluation(RunConfig config, RunFolder folder, PolicyBackend backend, Task task, List<Sample> eval,
               Progress progress, java.util.function.BooleanSupplier stop) {
        this.judges = GuardedJudge.calls(GuardedJudge.TIMEOUT, stop, m -> progress.message("mr1 train: " + m));
        this.config = config;
        this.folder = folder;
        this.backend = backend;
        this.task = task;
        this.eval = eval;
        this.progress = progress;
    }

    /** The final evaluation runs on the backend the run ends on. */
    @Override
    public void onBackend(long step, String from, PolicyBackend to) {
        backend = to;
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
        long done = outcome.stats().step() + 1;
        if (config.evalEvery() > 0 && done % config.evalEvery() == 0 && done < totalSteps && eval != null) {
            Evaluator.Result r = evaluate(policy, "step " + done);
            if (r == null) {
                return; // stopped: the loop checkpoints this step and stops
            }
            rows.add(new ReportWriter.EvalRow("step " + done, r));
            folder.writeEvaluation("step-" + done, r);
        }
    }

    @Override
    public void onTrainingEnd(TrainingLoop.Result result) throws IOException {
        if (result.stopped() || eval == null || eval.isEmpty()) {
            return;
        }
        long total = result.totalSteps();
        Path finalCheckpoint = folder.checkpointPolicy(total);
        try (Policy policy = backend.load(finalCheckpoint, config.model().checkpoint(), config.device(),
                config.model().dtype(), config.model().referenceDtype())) {
            last = evaluate(policy, "final");
        }
        if (last == null) {
            return;
        }
        String label = "final (step " + total + ")";
        rows.removeIf(e -> e.label().equals(label));
        rows.add(new ReportWriter.EvalRow(label, last));
        folder.writeEvaluation("step-" + total, last);
    }

    /** @return the evaluations of this call, for the report */
    List<ReportWriter.EvalRow> rows() {
        return rows;
    }

    /** @return the final evaluation, or null when there was none */
    Evaluator.Result last() {
        return last;
    }

    /** @return whether a stop request gave up on an evaluation (the final one then is missing) */
    boolean abandoned() {
        return abandoned;
    }

    /** One evaluation, or null when a stop request gave up on it. */
    private Evaluator.Result evaluate(Policy policy, String label) {
        progress.message("evaluating (" + label + ") on " + eval.size() + " held-out items ...");
        Evaluator.SampledPass sampled = config.data().evalSamples() == 0 ? null
                : new Evaluator.SampledPass(config.data().evalSamples(), config.data().evalTemperature(),
                SAMPLED_EVAL_SEED);
        Evaluator.Result r;
        try {
            r = Evaluator.evaluate(policy, task, eval, config.data().evalMaxNewTokens(), sampled, done -> { }, judges);
        } catch (StepAbandoned e) {
            abandoned = true;
            progress.message("evaluation (" + label + ") abandoned: " + e.getMessage());
            return null;
        }
        String message = String.format(Locale.ROOT, "eval %s: accuracy %.1f%% (lenient %.1f%%), format %.1f%%",
                label, 100 * r.accuracy(), 100 * r.lenientAccuracy(), 100 * r.formatRate());
        if (r.sampled() != null) {
            message += String.format(Locale.ROOT, "; sampled pass@1 %.1f%% (%d per item, T=%s)",
                    100 * r.sampled().accuracy(), r.sampled().samplesPerItem(), r.sampled().temperature());
        }
        progress.message(message);
        return r;
    }
}
