package io.mr1.tasks;

import io.mr1.api.task.Sample;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of loading one dataset file: the samples read and the items skipped.
 *
 * @param file the JSONL file read
 * @param samples the samples, in file order
 * @param skipped the items left out (only with {@code skipBad}), in file order
 */
public record DatasetReport(Path file, List<Sample> samples, List<Skipped> skipped) {

    /** Validates and copies the lists. */
    public DatasetReport {
        Objects.requireNonNull(file, "file");
        samples = List.copyOf(samples);
        skipped = List.copyOf(skipped);
    }

    /**
     * One item that was not loaded.
     *
     * @param line the 1-based line of the item
     * @param image the image path the item names, resolved against the file's folder
     * @param reason why it was skipped, e.g. {@code image not found}
     */
    public record Skipped(long line, Path image, String reason) {
    }
}
