package io.mr1.trainer.run;

import io.mr1.api.backend.Policy;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.task.Judgement;
import io.mr1.api.task.Sample;
import io.mr1.api.task.Task;
import io.mr1.api.types.Completion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Greedy evaluation: one completion per item at temperature 0, judged by the task —
 * strict accuracy (answer inside the tags), lenient accuracy (last number anywhere) and
 * format rate — with every item's output kept.
 */
public final class Evaluator {

    private static final int CHUNK = 16;

    /**
     * Evaluation figures.
     *
     * @param items number of items
     * @param accuracy strict accuracy
     * @param lenientAccuracy lenient accuracy
     * @param formatRate fraction in the think/answer format
     * @param outputs per item: id, question, solution, output, extracted answer, judgements
     */
    public record Result(int items, double accuracy, double lenientAccuracy, double formatRate,
                         List<Map<String, Object>> outputs) {
    }

    private Evaluator() {
    }

    /**
     * Evaluates a policy.
     *
     * @param policy the policy
     * @param task the task that judges
     * @param samples the items
     * @param maxNewTokens completion length limit
     * @param progress told how many items are done
     * @return the figures
     */
    public static Result evaluate(Policy policy, Task task, List<Sample> samples, int maxNewTokens,
                                  IntConsumer progress) {
        List<Map<String, Object>> outputs = new ArrayList<>();
        int strict = 0;
        int lenient = 0;
        int format = 0;
        for (int start = 0; start < samples.size(); start += CHUNK) {
            List<Sample> chunk = samples.subList(start, Math.min(samples.size(), start + CHUNK));
            List<List<Completion>> completions = policy.sample(chunk.stream().map(Sample::prompt).toList(),
                    new SamplingParams(1, 0.0, 1.0, 0, maxNewTokens, 0));
            for (int i = 0; i < chunk.size(); i++) {
                Sample sample = chunk.get(i);
                String output = completions.get(i).get(0).text();
                Judgement j = task.judge(sample, output);
                strict += j.strictCorrect() ? 1 : 0;
                lenient += j.lenientCorrect() ? 1 : 0;
                format += j.formatOk() ? 1 : 0;
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("id", sample.id());
                item.put("question", sample.question());
                item.put("solution", sample.solution());
                item.put("output", output);
                item.put("extracted", j.extractedAnswer());
                item.put("correct", j.strictCorrect());
                item.put("lenient_correct", j.lenientCorrect());
                item.put("format_ok", j.formatOk());
                outputs.add(item);
            }
            progress.accept(Math.min(samples.size(), start + CHUNK));
        }
        int n = Math.max(1, samples.size());
        return new Result(samples.size(), (double) strict / n, (double) lenient / n, (double) format / n, outputs);
    }
}
