package io.mr1.trainer.run;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
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
 * for the report.
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
    private Evaluator.Result last;

    Evaluation(RunConfig config, RunFolder folder, PolicyBackend backend, Task task, List<Sample> eval,
               Progress progress) {
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

    private Evaluator.Result evaluate(Policy policy, String label) {
        progress.message("evaluating (" + label + ") on " + eval.size() + " held-out items ...");
        Evaluator.SampledPass sampled = config.data().evalSamples() == 0 ? null
                : new Evaluator.SampledPass(config.data().evalSamples(), config.data().evalTemperature(),
                SAMPLED_EVAL_SEED);
        Evaluator.Result r = Evaluator.evaluate(policy, task, eval, config.data().evalMaxNewTokens(), sampled,
                done -> { });
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
