package io.mr1.trainer.metrics;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyBackend;
import io.mr1.api.types.StepStats;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a run: on a terminal, one status line redrawn in place (a bar with step,
 * reward, accuracy, beta and the time left); otherwise, plain log lines every {@code log_every}
 * steps (TRL's logging_steps; by default about 20 per run), so logs stay readable.
 */
public final class Progress implements TrainingListener {

    private final PrintStream out;
    private final boolean terminal;
    private final long total;
    private final long every;
    private final String label;
    private final long started = System.nanoTime();
    private long first = -1;

    /**
     * Creates the progress display.
     *
     * @param out where it goes
     * @param terminal redraw one line in place instead of printing log lines
     * @param label the algorithm's short name
     * @param total t
     * @param every steps between log lines (0: about 20 lines per run)
     */
    public Progress(PrintStream out, boolean terminal, String label, long total, long every) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.label = label;
        this.every = every > 0 ? every : Math.max(1, total / 20);
    }

    @Override
    public void onBackend(long step, String from, PolicyBackend to) {
        if (from != null && !from.equals(to.name())) {
            message("mr1 train: switched backend " + from + " -> " + to.name() + " at step " + step
                    + " (from its checkpoint)");
        } else if (from != null) {
            message("mr1 train: backend " + to.name() + " is back; continuing at step " + step);
        }
    }

    @Override
    public void onPause(long step, String message) {
        message("mr1 train: " + message);
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) {
        accept(outcome.stats());
    }

    private void accept(StepStats stats) {
        long done = stats.step() + 1;
        if (first < 0) {
            first = stats.step();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        double perStep = elapsed / Math.max(1, done - first);
        long left = Math.round(perStep * (total - done));
        String values = String.format(Locale.ROOT, "reward %.3f  acc %.3f  beta %.4f  loss %.4f",
                stats.get(StepStats.KEYS.REWARD), stats.get(StepStats.KEYS.ACCURACY), stats.get(StepStats.KEYS.BETA),
                stats.get(StepStats.KEYS.LOSS)).replace("NaN", "-");
        if (terminal) {
            int width = 24;
            int filled = (int) (width * done / Math.max(1, total));
            out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d  %s  %ds left ", label, "#".repeat(filled),
                    ".".repeat(width - filled), done, total, values, left);
            if (done == total) {
                out.println();
            }
            out.flush();
        } else if (done % every == 0 || done == total || done == first + 1) {
            out.printf(Locale.ROOT, "%s step %d/%d  %s  (%.1f s/step)%n", label, done, total, values, perStep);
        }
    }

    /**
     * Prints a message on its own line (ending a status line first).
     *
     * @param text the message
     */
    public void message(String text) {
        out.println((terminal ? "\r" : "") + text);
    }
}
