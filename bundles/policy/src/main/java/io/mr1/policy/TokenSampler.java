package io.mr1.policy;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one row of logits on the Java side: greedy at temperature 0,
 * otherwise softmax(logits / temperature) truncated by top-k then top-p (the smallest set
 * of most likely tokens whose mass reaches p), drawn from a seeded stream.
 */
public final class TokenSampler {

    private TokenSampler() {
    }

    /**
     * log-softmax of a row in double precision.
     *
     * @param logits rows of logits
     * @param offset where the row starts
     * @param vocab its length
     * @param temperature divides the logits (values &lt;= 0 mean 1)
     * @return the row's log-probabilities
     */
    public static double[] logSoftmax(float[] logits, int offset, int vocab, double temperature) {
        double t = temperature > 0 ? temperature : 1;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i] / t);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] / t - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            out[i] = logits[offset + i] / t - log;
        }
        return out;
    }

    /**
     * One token's log-probability at temperature 1, without the whole row: the same value as
     * {@code logSoftmax(logits, offset, vocab, 1.0)[token]}, computed the same way.
     *
     * @param logits rows of logits
     * @param offset where the row starts
     * @param vocab its length
     * @param token the token
     * @return log p(token)
     */
    public static double logProbability(float[] logits, int offset, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i] / 1.0);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] / 1.0 - max);
        }
        return logits[offset + token] / 1.0 - (max + Math.log(sum));
    }

    /**
     * Removes tokens a completion may never contain (the vision placeholders) from a row of
     * logits, in place.
     *
     * @param logits rows of logits
     * @param offset where the row starts
     * @param banned token ids to remove
     */
    public static void ban(float[] logits, int offset, int[] banned) {
        for (int id : banned) {
            logits[offset + id] = Float.NEGATIVE_INFINITY;
        }
    }

    /**
     * Draws one token.
     *
     * @param logits rows of logits
     * @param offset where the row starts
     * @param vocab its length
     * @param temperature 0 for greedy
     * @param topK keep the k most likely tokens (0: all)
     * @param topP keep the smallest set of most likely tokens whose mass reaches p (1: all)
     * @param random the seeded stream (one draw unless greedy)
     * @return the token id
     */
    public static int sample(float[] logits, int offset, int vocab, double temperature, int topK, double topP, Random random) {
        return sample(logits, offset, vocab, temperature, topK, topP, temperature == 0 ? 0 : random.nextDouble());
    }

    /**
     * Draws one token by inverting the (truncated) distribution's cumulative sum at a given
     * uniform number, so an engine-side sampler fed the same numbers draws the same tokens.
     *
     * @param logits rows of logits
     * @param offset where the row starts
     * @param vocab its length
     * @param temperature 0 for greedy
     * @param topK keep the k most likely tokens (0: all)
     * @param topP keep the smallest set of most likely tokens whose mass reaches p (1: all)
     * @param uniform a number in [0, 1) from the seeded stream (unused when greedy)
     * @return the token id
     */
    public static int sample(float[] logits, int offset, int vocab, double temperature, int topK, double topP,
                             double uniform) {
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[offset + i] > logits[offset + best]) {
                    best = i;
                }
            }
            return best;
        }
        double[] logp = logSoftmax(logits, offset, vocab, temperature);
        if (topK == 0 && topP >= 1) {
            // No truncation (the paper's setting): draw from the whole distribution, no sort.
            double u = uniform;
            double acc = 0;
            int last = 0;
            for (int i = 0; i < vocab; i++) {
                double p = Math.exp(logp[i]);
                if (p > 0) {
                    last = i; // rounding can leave u just above the total: fall back to a possible token
                }
                acc += p;
                if (u < acc) {
                    return i;
                }
            }
            return last;
        }
        Truncation kept = truncate(logp, topK, topP);
        double u = uniform * kept.mass();
        double acc = 0;
        for (int i = 0; i < kept.size(); i++) {
            acc += Math.exp(logp[kept.order()[i]]);
            if (u < acc) {
                return kept.order()[i];
            }
        }
        return kept.order()[kept.size() - 1];
    }

    /** The most likely tokens first; the first {@code size} of them are kept, holding {@code mass}. */
    private record Truncation(Integer[] order, int size, double mass) {
    }

    private static Truncation truncate(double[] logp, int topK, double topP) {
        int vocab = logp.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(logp[b], logp[a]));
        int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
        double mass = 0;
        int n = 0;
        while (n < keep) {
            mass += Math.exp(logp[order[n]]);
            n++;
            if (mass >= topP) {
                break;
            }
        }
        return new Truncation(order, n, mass);
    }

    /**
     * The exact distribution {@link #sample} draws from at temperature &gt; 0: softmax at the
     * temperature, truncated by top-k then top-p, renormalised (for tests of other samplers).
     *
     * @param logits rows of logits (banned tokens already removed)
     * @param offset where the row starts
     * @param vocab its length
     * @param temperature &gt; 0
     * @param topK 0 for all
     * @param topP 1 for all
     * @return each token's probability, 0 outside the kept set
     */
    public static double[] distribution(float[] logits, int offset, int vocab, double temperature, int topK,
                                        double topP) {
        double[] logp = logSoftmax(logits, offset, vocab, temperature);
        Truncation kept = truncate(logp, topK, topP);
        double[] p = new double[vocab];
        for (int i = 0; i < kept.size(); i++) {
            p[kept.order()[i]] = Math.exp(logp[kept.order()[i]]) / kept.mass();
        }
        return p;
    }
}
