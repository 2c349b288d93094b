package io.mr1.trainer.run;

import io.mr1.api.types.StepStats;
import io.mr1.trainer.internal.MetricsSink;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a run: on a terminal, one status line redrawn in place (a bar with step,
 * reward, accuracy, beta and the time left); otherwise, plain log lines at most every
 * {@code every} steps, so logs stay readable.
 */
final class Progress implements MetricsSink {

    private final PrintStream out;
    private final boolean terminal;
    private final long total;
    private final long every;
    private final String label;
    private final long started = System.nanoTime();
    private long first = -1;

    Progress(PrintStream out, boolean terminal, String label, long total) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.label = label;
        this.every = Math.max(1, total / 20);
    }

    @Override
    public void accept(StepStats stats) {
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

    /** Prints a message on its own line (ending a status line first). */
    void message(String text) {
        out.println((terminal ? "\r" : "") + text);
    }
}
