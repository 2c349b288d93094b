package io.mr1.api.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/** A destination for a run's metrics, named in the run config's {@code report_to} list. */
@ConsumerType
public interface RunReporter {

    /** @return the name {@code report_to} uses (e.g. {@code tensorboard}) */
    String name();

    /**
     * Opens the run's writer; a resumed run opens it again with the step it resumes at.
     *
     * @param runDir the run folder (the reporter writes below it)
     * @param startStep the first step this process will report (0, or the checkpoint's)
     * @return the writer
     * @throws IOException if its files cannot be created
     */
    Writer open(Path runDir, long startStep) throws IOException;

    /** One run's output; each call is on disk (or as durable as the format allows) when it returns. */
    interface Writer extends AutoCloseable {

        /**
         * A step's scalar values.
         *
         * @param step the step
         * @param values name to value (NaN values are left out)
         * @throws IOException if writing fails
         */
        void scalars(long step, Map<String, Double> values) throws IOException;

        /**
         * A text (markdown) entry.
         *
         * @param step the step
         * @param tag its name
         * @param markdown the text
         * @throws IOException if writing fails
         */
        void text(long step, String tag, String markdown) throws IOException;

        @Override
        void close() throws IOException;
    }
}
