package io.mr1.tasks.internal;

import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.tasks.DatasetReport;
import io.mr1.tasks.DatasetTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * A task whose data is R1-V JSONL with images: loading, judging and the generation loop
 * are shared; a subclass says how one item is made.
 *
 * <p>Generation gives item i its own random generator, the i-th split of one seeded
 * {@link SplittableRandom}, so item i depends on the seed and i only: a smaller dataset
 * is a prefix of a larger one with the same seed, and retries inside one item (rejected
 * placements) never shift the items after it.
 */
public abstract class R1vTask implements DatasetTask {

    private final String name;
    private final AnswerType answerType;
    private final String template;
    private final AnswerJudge judge;

    /**
     * Creates the task.
     *
     * @param name the task's name
     * @param answerType its answer type
     * @param template its prompt template; must contain {@code {question}}
     * @param judge how outputs are judged
     * @throws IllegalArgumentException when the template has no placeholder
     */
    protected R1vTask(String name, AnswerType answerType, String template, AnswerJudge judge) {
        this.name = Objects.requireNonNull(name, "name");
        this.answerType = Objects.requireNonNull(answerType, "answerType");
        this.template = Objects.requireNonNull(template, "template");
        this.judge = Objects.requireNonNull(judge, "judge");
        if (!template.contains("{question}")) {
            throw new IllegalArgumentException("prompt_template must contain {question}, got: " + template);
        }
    }

    /**
     * Makes one item.
     *
     * @param random the item's own generator
     * @return the item
     */
    protected abstract GeneratedItem generateItem(SplittableRandom random);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final AnswerType answerType() {
        return answerType;
    }

    @Override
    public final String promptTemplate() {
        return template;
    }

    @Override
    public DatasetReport loadReport(Path file, boolean skipBad) throws DataException {
        return new R1vLoader(template, answerType).load(file, skipBad);
    }

    @Override
    public Judgement judge(Sample sample, String output) {
        return judge.judge(sample.solution(), output);
    }

    @Override
    public Path generate(int count, long seed, Path outDir, IntConsumer progress) throws IOException {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        SplittableRandom root = new SplittableRandom(seed);
        try (DatasetWriter writer = new DatasetWriter(outDir)) {
            for (int i = 0; i < count; i++) {
                writer.write(i, generateItem(root.split()));
                progress.accept(i + 1);
            }
            return writer.jsonl();
        }
    }
}
