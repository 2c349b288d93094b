package io.mr1.tensorboard;

import io.mr1.api.report.RunReporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** {@code report_to: [tensorboard]}: event files in the run folder's {@code tensorboard/}. */
@Component(service = RunReporter.class)
public final class TensorboardReporter implements RunReporter {

    /** The run folder's subfolder TensorBoard is pointed at ({@code tensorboard --logdir RUN/tensorboard}). */
    public static final String FOLDER = "tensorboard";

    @Override
    public String name() {
        return "tensorboard";
    }

    @Override
    public Writer open(Path runDir, long startStep) throws IOException {
        EventFileWriter events = EventFileWriter.create(runDir.resolve(FOLDER));
        events.sessionStart(startStep);
        return new Writer() {
            @Override
            public void scalars(long step, Map<String, Double> values) throws IOException {
                events.scalars(step, values);
            }

            @Override
            public void text(long step, String tag, String markdown) throws IOException {
                events.text(step, tag, markdown);
            }

            @Override
            public void close() throws IOException {
                events.close();
            }
        };
    }
}
