package io.mr1.tasks;

import io.mr1.api.task.DataException;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A task that says which items its loader skipped and how far its generator got. The
 * plain {@link Task} methods are defined through these.
 */
@ConsumerType
public interface DatasetTask extends Task {

    /**
     * Reads a dataset file, as {@link #load} does, and reports what was skipped.
     *
     * @param file the JSONL file
     * @param skipBad skip items whose image file is missing instead of failing
     * @return the samples and the skipped items
     * @throws DataException naming the file and line of the first bad item
     */
    DatasetReport loadReport(Path file, boolean skipBad) throws DataException;

    /**
     * Generates a dataset, as {@link #generate(int, long, Path)} does, reporting progress.
     *
     * @param count number of items
     * @param seed generator seed
     * @param outDir folder to write into (created)
     * @param progress told the number of items written so far, after each item
     * @return the JSONL file written
     * @throws IOException if writing fails
     */
    Path generate(int count, long seed, Path outDir, IntConsumer progress) throws IOException;

    @Override
    default List<Sample> load(Path file, boolean skipBad) throws DataException {
        return loadReport(file, skipBad).samples();
    }

    @Override
    default Path generate(int count, long seed, Path outDir) throws IOException {
        return generate(count, seed, outDir, done -> { });
    }
}
