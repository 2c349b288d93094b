package io.mr1.core.cli;

import java.io.PrintStream;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * {@code mr1 doctor --model DIR}'s checks of a model folder, supplied by a bundle that knows
 * the models (the core cannot depend on them): architecture, exact parameter count, dtype,
 * ignored config keys and the memory a GRPO-D run needs against the device's.
 */
@ConsumerType
public interface ModelDoctor {

    /** The options {@code doctor} accepts for model checks, each with a value. */
    Set<String> OPTIONS = Set.of("--model", "--device", "--batch", "--generations", "--max-length", "--micro-batch",
            "--dtype", "--device-memory");

    /**
     * Checks the folder {@code --model} names.
     *
     * @param line the parsed command line
     * @param json print one JSON object instead of text
     * @param out standard output
     * @param err standard error
     * @return 0 when the folder is sound and the run fits, 1 otherwise
     * @throws UsageException for a bad option value
     * @throws Exception when the folder cannot be read
     */
    int check(CommandLine line, boolean json, PrintStream out, PrintStream err) throws Exception;
}
