package io.mr1.core.jsonl;

import java.io.IOException;
import java.nio.file.Path;

/** A line of a JSONL file that is not what the reader accepts; the message names file and line. */
public final class JsonLineException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param file the file
     * @param line the 1-based line
     * @param problem what is wrong, without the location
     */
    public JsonLineException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    /** @return the file at fault */
    public Path file() {
        return file;
    }

    /** @return the 1-based line at fault */
    public long line() {
        return line;
    }

    /** @return what is wrong, without the location (for callers that wrap it in their own exception) */
    public String problem() {
        return problem;
    }
}
