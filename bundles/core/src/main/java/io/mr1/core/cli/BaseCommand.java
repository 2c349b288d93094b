package io.mr1.core.cli;

import io.mr1.api.cli.CliCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

/**
 * The common shape of an mr1 command: {@code --help} prints the usage and exits 0; bad
 * usage prints the problem and the usage to stderr and exits 2; otherwise
 * {@link #run} does the work with a parsed {@link CommandLine}.
 */
public abstract class BaseCommand implements CliCommand {

    /** @return flags without a value that the command accepts, e.g. {@code --json} */
    protected abstract Set<String> flags();

    /** @return options with a value that the command accepts, e.g. {@code --steps} */
    protected abstract Set<String> valuedOptions();

    /**
     * Does the command's work.
     *
     * @param line the parsed arguments
     * @param out standard output
     * @param err standard error
     * @return exit status
     * @throws UsageException for bad usage found while running (e.g. a wrong positional argument)
     * @throws Exception on failure
     */
    protected abstract int run(CommandLine line, PrintStream out, PrintStream err) throws Exception;

    @Override
    public final int execute(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(usage());
            return 0;
        }
        try {
            return run(CommandLine.parse(args, flags(), valuedOptions()), out, err);
        } catch (UsageException e) {
            err.println("mr1 " + name() + ": " + e.getMessage());
            err.print(usage());
            return 2;
        }
    }
}
