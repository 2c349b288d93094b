package io.mr1.api.task;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A task: where its data comes from, how a question becomes a prompt, which rewards it
 * uses by default and how an output is judged. Registered as an OSGi service by a task
 * adapter bundle.
 */
@ConsumerType
public interface Task {

    /** The R1-V prompt template; {@code {question}} is replaced by the question. */
    String R1V_TEMPLATE = "{question}  Output the thinking process in <think> </think> and final answer (number) "
            + "in <answer> </answer> tags.";

    /**
     * The task's name as used in configs and on the command line.
     *
     * @return a short lower-case name such as {@code visual-counting}
     */
    String name();

    /** @return the kind of answer the task expects */
    AnswerType answerType();

    /** @return the prompt template, with a {@code {question}} placeholder; R1-V's unless configured */
    default String promptTemplate() {
        return R1V_TEMPLATE;
    }

    /** @return names of the rewards a run of this task uses unless configured otherwise */
    default List<String> defaultRewards() {
        return List.of("accuracy", "format");
    }

    /**
     * This task with per-run options, as a run config's {@code task_options} gives them
     * (object counts, image sizes, the prompt template, ...): a new task instance for one
     * run; this instance and its ConfigAdmin configuration are not changed, so runs never
     * reconfigure a shared task. Keys the task does not know, and values of the wrong type
     * or out of range, are errors whose message names the key (and the valid keys).
     *
     * @param options option name (snake_case, as in the task's README) to value; empty: this task
     * @return a task with the options applied over this task's configuration
     * @throws IllegalArgumentException naming the key of an unknown or invalid option
     */
    default Task withOptions(Map<String, Object> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("task " + name() + " takes no options; got: "
                    + String.join(", ", new java.util.TreeSet<>(options.keySet())));
        }
        return this;
    }

    /**
     * Reads a dataset file in the R1-V JSONL format (image paths relative to the file).
     *
     * @param file the JSONL file
     * @param skipBad skip (and count in the returned list's owner log) items whose image is missing instead of failing
     * @return the samples, in file order
     * @throws DataException naming the file and line of the first bad item
     */
    List<Sample> load(Path file, boolean skipBad) throws DataException;

    /**
     * Generates a dataset procedurally: a JSONL file plus images, in the format
     * {@link #load} reads. The same seed gives the same bytes.
     *
     * @param count number of items
     * @param seed generator seed
     * @param outDir folder to write into (created)
     * @return the JSONL file written
     * @throws java.io.IOException if writing fails
     */
    Path generate(int count, long seed, Path outDir) throws java.io.IOException;

    /**
     * Judges one output against a sample's ground truth.
     *
     * @param sample the sample
     * @param output the model's output text
     * @return the judgement
     */
    Judgement judge(Sample sample, String output);
}
