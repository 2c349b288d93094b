package io.mr1.trainer.metrics;

import com.google.gson.Gson;
import io.mr1.api.backend.Policy;
import io.mr1.api.types.Completion;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.trainer.loop.StepOutcome;
import io.mr1.trainer.loop.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends every {@code every} steps one line per prompt to {@code samples.jsonl}: its
 * completions with their rewards (and reward faults). On resume, lines of steps at or after
 * the starting step are dropped first, as for metrics.
 */
public final class SamplesWriter implements TrainingListener {

    private static final Gson GSON = new Gson();

    private final Path file;
    private final int every;
    private BufferedWriter writer;

    /**
     * Creates the writer; the file is opened when training begins.
     *
     * @param file samples.jsonl
     * @param every steps between entries (0: never)
     */
    public SamplesWriter(Path file, int every) {
        this.file = file;
        this.every = every;
    }

    @Override
    public void onTrainingBegin(long startStep, long totalSteps) throws IOException {
        JsonlMetricsSink.truncateFrom(file, startStep);
        writer = JsonlMetricsSink.openForAppend(file);
    }

    @Override
    public void onStepEnd(Policy policy, StepOutcome outcome, long totalSteps) throws IOException {
        long step = outcome.stats().step();
        if (every <= 0 || step % every != 0) {
            return;
        }
        for (int i = 0; i < outcome.completions().size(); i++) {
            List<Completion> group = outcome.completions().get(i);
            List<RewardBreakdown> rewards = outcome.breakdowns().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("prompt_id", group.isEmpty() ? "" : group.get(0).promptId());
            List<Map<String, Object>> items = new ArrayList<>();
            for (int j = 0; j < group.size(); j++) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("text", group.get(j).text());
                item.put("tokens", group.get(j).length());
                item.put("rewards", rewards.get(j).scores());
                item.put("total", rewards.get(j).total());
                if (!rewards.get(j).faults().isEmpty()) {
                    item.put("faults", rewards.get(j).faults());
                }
                items.add(item);
            }
            row.put("completions", items);
            writer.write(GSON.toJson(row));
            writer.newLine();
        }
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
        }
    }
}
