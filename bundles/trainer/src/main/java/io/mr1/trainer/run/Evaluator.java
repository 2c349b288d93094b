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
 * Evaluation: one greedy completion per item (temperature 0, as R1-V evaluates), judged by
 * the task — strict accuracy (answer inside the tags), lenient accuracy (last number
 * anywhere) and format rate — with every item's output kept. Optionally also the sampled
 * pass@1: k completions per item at a temperature (the policy GRPO actually trains, at
 * its sampling temperature), the fraction judged strictly correct averaged over items and
 * samples, as DeepSeek-R1 reports pass@1.
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
     * @param outputs per item: id, question, solution, output, extracted answer, judgements, and with
     *     the sampled pass@1 also {@code sampled_correct} (that item's strictly correct samples)
     * @param sampled the sampled pass@1, or null when not measured
     * @param correct per item, in item order: the greedy output judged strictly correct (for paired
     *     before/after tests)
     */
    public record Result(int items, double accuracy, double lenientAccuracy, double formatRate,
                         List<Map<String, Object>> outputs, Sampled sampled, boolean[] correct) {
    }

    /**
     * How to measure the sampled pass@1.
     *
     * @param samplesPerItem k completions per item (at least 1)
     * @param temperature sampling temperature (greater than 0)
     * @param seed seed of the sampling streams, so a measurement can be repeated
     */
    public record SampledPass(int samplesPerItem, double temperature, long seed) {
        /** Validates the fields. */
        public SampledPass {
            if (samplesPerItem < 1 || !(temperature > 0)) {
                throw new IllegalArgumentException("samples per item must be >= 1 and temperature > 0");
            }
        }
    }

    /**
     * The sampled pass@1.
     *
     * @param samplesPerItem k completions per item
     * @param temperature their sampling temperature
     * @param accuracy fraction of all k x items completions judged strictly correct
     * @param formatRate fraction of them in the think/answer format
     * @param correctPerItem per item, in item order: how many of its k samples were judged strictly
     *     correct (for paired before/after tests)
     */
    public record Sampled(int samplesPerItem, double temperature, double accuracy, double formatRate,
                          int[] correctPerItem) {
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
        return evaluate(policy, task, samples, maxNewTokens, null, progress);
    }

    /**
     * Evaluates a policy, greedy and, when asked, sampled.
     *
     * @param policy the policy
     * @param task the task that judges
     * @param samples the items
     * @param maxNewTokens completion length limit
     * @param sampledPass how to measure the sampled pass@1, or null for greedy only
     * @param progress told how many items are done (greedy pass, then sampled pass)
     * @return the figures
     */
    public static Result evaluate(Policy policy, Task task, List<Sample> samples, int maxNewTokens,
                                  SampledPass sampledPass, IntConsumer progress) {
        return evaluate(policy, task, samples, maxNewTokens, sampledPass, progress, judges(() -> false));
    }

    /**
     * The guard for task judges, to share between evaluations (a run's): a judge that keeps timing
     * out stays disabled for as long as the guard is used, and a stop request gives up on a
     * running judge call.
     *
     * @param stop whether a stop was requested
     * @return the guard, with the default time limit of a judge call
     */
    public static io.mr1.trainer.grpo.PluginCall judges(java.util.function.BooleanSupplier stop) {
        return GuardedJudge.calls(GuardedJudge.TIMEOUT, stop);
    }

    /**
     * Evaluates a policy, greedy and, when asked, sampled, calling the task's judge through a
     * given guard.
     *
     * @param policy the policy
     * @param task the task that judges
     * @param samples the items
     * @param maxNewTokens completion length limit
     * @param sampledPass how to measure the sampled pass@1, or null for greedy only
     * @param progress told how many items are done (greedy pass, then sampled pass)
     * @param judges the guard of judge calls ({@link #judges})
     * @return the figures
     * @throws io.mr1.trainer.loop.StepAbandoned if a stop was requested while a judge call ran
     */
    public static Result evaluate(Policy policy, Task task, List<Sample> samples, int maxNewTokens,
                                  SampledPass sampledPass, IntConsumer progress,
                                  io.mr1.trainer.grpo.PluginCall judges) {
        List<Map<String, Object>> outputs = new ArrayList<>();
        int strict = 0;
        int lenient = 0;
        int format = 0;
        boolean[] correct = new boolean[samples.size()];
        // One guard for both passes: a faulty judge cannot stop the evaluation, and a judge that
        // keeps timing out in the greedy pass stays disabled for the sampled one.
        GuardedJudge judge = new GuardedJudge(task, judges);
        for (int start = 0; start < samples.size(); start += CHUNK) {
            List<Sample> chunk = samples.subList(start, Math.min(samples.size(), start + CHUNK));
            List<List<Completion>> completions = policy.sample(chunk.stream().map(Sample::prompt).toList(),
                    new SamplingParams(1, 0.0, 1.0, 0, maxNewTokens, 0));
            for (int i = 0; i < chunk.size(); i++) {
                Sample sample = chunk.get(i);
                String output = completions.get(i).get(0).text();
                Judgement j = judge.judge(sample, output);
                strict += j.strictCorrect() ? 1 : 0;
                correct[start + i] = j.strictCorrect();
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
        Sampled sampled = sampledPass == null ? null : sampled(policy, judge, samples, maxNewTokens, sampledPass, progress);
        if (sampled != null) {
            for (int i = 0; i < outputs.size(); i++) {
                outputs.get(i).put("sampled_correct", sampled.correctPerItem()[i]);
            }
        }
        return new Result(samples.size(), (double) strict / n, (double) lenient / n, (double) format / n, outputs,
                sampled, correct);
    }

    private static Sampled sampled(Policy policy, GuardedJudge judge, List<Sample> samples, int maxNewTokens,
                                   SampledPass how, IntConsumer progress) {
        long correct = 0;
        long formatted = 0;
        int[] perItem = new int[samples.size()];
        for (int start = 0; start < samples.size(); start += CHUNK) {
            List<Sample> chunk = samples.subList(start, Math.min(samples.size(), start + CHUNK));
            // One seed per chunk, derived from the item offset: the figure does not depend on
            // what ran before, so before/after comparisons see the same sampling streams.
            List<List<Completion>> groups = policy.sample(chunk.stream().map(Sample::prompt).toList(),
                    new SamplingParams(how.samplesPerItem(), how.temperature(), 1.0, 0, maxNewTokens,
                            how.seed() + start));
            for (int i = 0; i < chunk.size(); i++) {
                for (Completion c : groups.get(i)) {
                    Judgement j = judge.judge(chunk.get(i), c.text());
                    correct += j.strictCorrect() ? 1 : 0;
                    perItem[start + i] += j.strictCorrect() ? 1 : 0;
                    formatted += j.formatOk() ? 1 : 0;
                }
            }
            progress.accept(Math.min(samples.size(), start + CHUNK));
        }
        double total = Math.max(1.0, (double) samples.size() * how.samplesPerItem());
        return new Sampled(how.samplesPerItem(), how.temperature(), correct / total, formatted / total, perItem);
    }
}
