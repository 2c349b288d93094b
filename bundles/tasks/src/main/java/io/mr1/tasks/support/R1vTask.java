package io.mr1.tasks.support;

import io.mr1.api.task.AnswerType;
import io.mr1.api.task.DataException;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.tasks.DatasetReport;
import io.mr1.tasks.DatasetTask;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /** Most threads generation uses (image drawing and PNG encoding are CPU-bound). */
    private static final int GENERATION_THREADS = 8;
    /** Items drawn and encoded together before they are written. */
    private static final int GENERATION_CHUNK = 64;

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
        return generate(count, seed, outDir, progress,
                Math.min(GENERATION_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Generates with a given number of threads; the output does not depend on it.
     *
     * @param count items
     * @param seed the dataset's seed
     * @param outDir the output folder
     * @param progress told the number of items written so far
     * @param threads threads drawing and encoding items (at least 1)
     * @return the JSONL file
     * @throws IOException if writing fails
     */
    public Path generate(int count, long seed, Path outDir, IntConsumer progress, int threads) throws IOException {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        SplittableRandom root = new SplittableRandom(seed);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mr1-generate-" + name);
            t.setDaemon(true);
            return t;
        });
        try (DatasetWriter writer = new DatasetWriter(outDir)) {
            // Items are drawn and encoded in parallel a chunk at a time and written in index
            // order; the generators are split in order first, so the bytes do not depend on
            // the number of threads.
            for (int start = 0; start < count; start += GENERATION_CHUNK) {
                int end = Math.min(count, start + GENERATION_CHUNK);
                List<Future<DatasetWriter.EncodedItem>> chunk = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    int index = i;
                    SplittableRandom random = root.split();
                    chunk.add(pool.submit(() -> DatasetWriter.encode(index, generateItem(random))));
                }
                for (int i = start; i < end; i++) {
                    writer.write(await(chunk.get(i - start)));
                    progress.accept(i + 1);
                }
            }
            return writer.jsonl();
        } finally {
            pool.shutdownNow();
        }
    }

    private static DatasetWriter.EncodedItem await(Future<DatasetWriter.EncodedItem> item) throws IOException {
        try {
            return item.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("generation interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException rt) {
                throw rt;
            }
            throw new IOException(cause);
        }
    }
}
