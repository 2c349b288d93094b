package io.mr1.trainer.loop;

import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.Policy;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.SamplingParams;
import io.mr1.api.backend.LossStatistics;
import io.mr1.api.backend.StepResult;
import io.mr1.api.backend.TrainingBatch;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.StepStats;
import io.mr1.objective.GrpoReferenceObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A test policy with no engine: each completion is {@code length} tokens drawn from one
 * softmax per position (ignoring the prompt). Its training step takes the exact gradient
 * of the GRPO-D loss from the reference objective and applies plain SGD to the logits,
 * so the trainer's loop can be tested end to end without a backend.
 */
public final class TabularPolicy implements Policy {

    private final int vocab;
    private final int length;
    private final double[][] logits;
    private final double[][] reference;
    /** The learning rate each update used, as a backend computes it from the settings and step index. */
    private final List<Double> learningRates = new java.util.ArrayList<>();
    /** The optimiser-state file of a saved policy. */
    static final String OPTIMIZER = "optimizer.json";

    /**
     * A uniform policy.
     *
     * @param vocab tokens
     * @param length tokens per completion
     */
    public TabularPolicy(int vocab, int length) {
        this(new double[length][vocab], new double[length][vocab]);
    }

    TabularPolicy(double[][] logits, double[][] reference) {
        this.vocab = logits[0].length;
        this.length = logits.length;
        this.logits = logits;
        this.reference = reference;
    }

    /** A backend over folders holding {@code logits.json}. */
    public static final class Backend implements io.mr1.api.backend.PolicyBackend {
        @Override
        public String name() {
            return "tabular";
        }

        @Override
        public io.mr1.api.backend.BackendInfo info() {
            return new io.mr1.api.backend.BackendInfo("none", "0", "java", List.of("cpu"), null);
        }

        @Override
        public Policy load(Path checkpoint, Path reference, String device) throws java.io.IOException {
            return new TabularPolicy(read(checkpoint), read(reference));
        }

        @Override
        public String smokeTest() {
            return null;
        }

        static double[][] read(Path dir) throws java.io.IOException {
            return new com.google.gson.Gson().fromJson(java.nio.file.Files.readString(dir.resolve("logits.json")),
                    double[][].class);
        }

        public static void write(Path dir, double[][] logits) throws java.io.IOException {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.writeString(dir.resolve("logits.json"), new com.google.gson.Gson().toJson(logits));
        }
    }

    private static double[] logSoftmax(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : row) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i] - log;
        }
        return out;
    }

    /** Probability that position pos emits token. */
    public double probability(int pos, int token) {
        return Math.exp(logSoftmax(logits[pos])[token]);
    }

    @Override
    public List<List<Completion>> sample(List<Prompt> prompts, SamplingParams params) {
        Random random = new Random(params.seed());
        List<List<Completion>> out = new ArrayList<>();
        for (Prompt prompt : prompts) {
            List<Completion> group = new ArrayList<>();
            for (int g = 0; g < params.groupSize(); g++) {
                int[] ids = new int[length];
                float[] lp = new float[length];
                StringBuilder text = new StringBuilder();
                for (int pos = 0; pos < length; pos++) {
                    double[] logp = logSoftmax(logits[pos]);
                    double u = random.nextDouble();
                    int token = vocab - 1;
                    double acc = 0;
                    for (int v = 0; v < vocab; v++) {
                        acc += Math.exp(logp[v]);
                        if (u < acc) {
                            token = v;
                            break;
                        }
                    }
                    ids[pos] = token;
                    lp[pos] = (float) logp[token];
                    text.append(pos == 0 ? "" : " ").append(token);
                }
                group.add(new Completion(prompt.id(), g, text.toString(), ids, lp, false));
            }
            out.add(group);
        }
        return out;
    }

    private List<float[]> logProbsUnder(double[][] table, List<Completion> completions) {
        List<float[]> out = new ArrayList<>();
        for (Completion c : completions) {
            float[] lp = new float[c.length()];
            for (int pos = 0; pos < c.length(); pos++) {
                lp[pos] = (float) logSoftmax(table[pos])[c.tokenIds()[pos]];
            }
            out.add(lp);
        }
        return out;
    }

    @Override
    public List<float[]> logProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(logits, completions);
    }

    @Override
    public List<float[]> referenceLogProbs(List<Prompt> prompts, List<Completion> completions) {
        return logProbsUnder(reference, completions);
    }

    @Override
    public Completion encodeTarget(String promptId, String text) {
        throw new UnsupportedOperationException("not needed by these tests");
    }

    private static double[][] toDouble(List<float[]> rows) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[rows.get(i).length];
            for (int t = 0; t < out[i].length; t++) {
                out[i][t] = rows.get(i)[t];
            }
        }
        return out;
    }

    @Override
    public StepResult step(TrainingBatch batch, PolicyLoss loss, OptimizerSettings optimizer, long step) {
        PolicyLoss.Grpo grpo = (PolicyLoss.Grpo) loss;
        List<Completion> completions = batch.completions();
        double[][] logp = new double[completions.size()][];
        for (int i = 0; i < logp.length; i++) {
            Completion c = completions.get(i);
            logp[i] = new double[c.length()];
            for (int pos = 0; pos < c.length(); pos++) {
                logp[i][pos] = logSoftmax(logits[pos])[c.tokenIds()[pos]];
            }
        }
        double[][] old = batch.oldLogProbs().isEmpty() ? logp : toDouble(batch.oldLogProbs());
        double[][] ref = batch.referenceLogProbs().isEmpty() ? null : toDouble(batch.referenceLogProbs());
        var result = GrpoReferenceObjective.evaluate(grpo, logp, old, ref, batch.advantages());
        double[][] grad = new double[length][vocab];
        for (int i = 0; i < logp.length; i++) {
            Completion c = completions.get(i);
            for (int pos = 0; pos < c.length(); pos++) {
                double[] p = logSoftmax(logits[pos]);
                for (int v = 0; v < vocab; v++) {
                    double dLogpDLogit = (v == c.tokenIds()[pos] ? 1 : 0) - Math.exp(p[v]);
                    grad[pos][v] += result.gradient()[i][pos] * dLogpDLogit;
                }
            }
        }
        double norm = 0;
        for (double[] row : grad) {
            for (double g : row) {
                norm += g * g;
            }
        }
        double lr = optimizer.learningRateAt(step);
        learningRates.add(lr);
        for (int pos = 0; pos < length; pos++) {
            for (int v = 0; v < vocab; v++) {
                logits[pos][v] -= lr * grad[pos][v];
            }
        }
        long tokens = completions.stream().mapToLong(Completion::length).sum();
        return new StepResult(result.loss(), Math.sqrt(norm), new LossStatistics(completions.size(), tokens,
                result.klMean(), result.clipLowFraction(), result.clipHighFraction()));
    }

    /** @return the learning rate of every update so far, in order */
    public List<Double> learningRates() {
        return learningRates;
    }

    @Override
    public void save(Path dir, boolean withOptimizerState) throws java.io.IOException {
        Backend.write(dir, logits);
        if (withOptimizerState) {
            // Stands in for the optimiser state file a real backend writes beside the weights.
            java.nio.file.Files.writeString(dir.resolve(OPTIMIZER), "{\"updates\": " + learningRates.size()
                    + ", \"learning_rates\": " + learningRates + "}");
        }
    }

    @Override
    public long parameterCount() {
        return (long) length * vocab;
    }

    @Override
    public void close() {
    }
}
