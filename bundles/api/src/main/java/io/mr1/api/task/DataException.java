package io.mr1.api.task;

import java.nio.file.Path;

/**
 * Bad input data: the message names the file and, where there is one, the 1-based line.
 */
public class DataException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The file at fault. */
    private final transient Path file;
    /** The 1-based line, or 0 when the fault is not on a line. */
    private final long line;

    /**
     * Creates the exception.
     *
     * @param file the file at fault
     * @param line 1-based line, or 0
     * @param message what is wrong
     */
    public DataException(Path file, long line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }

    /** @return the file at fault */
    public Path file() {
        return file;
    }

    /** @return the 1-based line, or 0 */
    public long line() {
        return line;
    }
}
