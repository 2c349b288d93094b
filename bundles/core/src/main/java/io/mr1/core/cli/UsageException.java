package io.mr1.core.cli;

/** Bad command-line usage; the launcher prints the message and the usage to stderr and exits 2. */
public class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the flag or argument
     */
    public UsageException(String message) {
        super(message);
    }
}
