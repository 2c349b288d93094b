package io.mr1.trainer.internal;

import io.mr1.api.types.StepStats;
import java.io.IOException;

/** Receives each step's metrics (a metrics.jsonl file, the log, a progress bar ...). */
public interface MetricsSink extends AutoCloseable {

    /**
     * Called after every step.
     *
     * @param stats the step's metrics
     * @throws IOException if the sink cannot write
     */
    void accept(StepStats stats) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
