package io.mr1.api.cli;

import java.io.PrintStream;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One command of the {@code mr1} launcher, registered as an OSGi service with the
 * service property {@link #NAME_PROPERTY}. The launcher runs outside the framework and
 * calls {@link #execute} reflectively, which is why its signature uses JDK types only.
 */
@ConsumerType
public interface CliCommand {

    /** Service property naming the command, e.g. {@code plugins}. */
    String NAME_PROPERTY = "mr1.command";

    /** @return the command's name, equal to its {@link #NAME_PROPERTY} */
    String name();

    /** @return one line for {@code mr1 --help} */
    String summary();

    /** @return the full usage text for {@code mr1 COMMAND --help} */
    String usage();

    /**
     * Runs the command.
     *
     * @param args arguments after the command name
     * @param out standard output (results only: the launcher keeps framework noise out of it)
     * @param err standard error (errors and usage)
     * @return the exit status: 0 success, 2 bad usage, 1 other failure
     * @throws Exception on unexpected failure; the launcher prints it to err and exits 1
     */
    int execute(String[] args, PrintStream out, PrintStream err) throws Exception;
}
