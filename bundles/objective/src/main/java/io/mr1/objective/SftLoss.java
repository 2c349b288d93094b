package io.mr1.objective;

import io.mr1.tensor.Tensor;

/**
 * Supervised fine-tuning's loss, written once on the tensor layer: the mean cross-entropy
 * of the target tokens, {@code -sum(logp * mask) / sum(mask)} (a token mean, as TRL's
 * SFTTrainer computes it).
 */
public final class SftLoss {

    private SftLoss() {
    }

    /**
     * Builds the loss.
     *
     * @param logp per-token log-probs of the targets under the policy, [B, L], with gradient
     * @param mask 1 for target tokens, 0 for padding, [B, L]
     * @return the scalar loss
     */
    public static Tensor compute(Tensor logp, Tensor mask) {
        return logp.mul(mask).sum().div(mask.sum().clip(1, Double.MAX_VALUE)).neg();
    }

    /**
     * The factor that makes one micro-batch's loss a part of the whole batch's token mean.
     *
     * @param tokens target tokens in the micro-batch
     * @param totalTokens target tokens in the whole batch
     * @return t / T
     */
    public static double microBatchWeight(long tokens, long totalTokens) {
        return (double) Math.max(1, tokens) / Math.max(1, totalTokens);
    }

    /**
     * The double-precision reference: the mean of the negated log-probs over all tokens.
     *
     * @param logp log-probs of each target's tokens (ragged)
     * @return the loss
     */
    public static double reference(double[][] logp) {
        double sum = 0;
        long n = 0;
        for (double[] row : logp) {
            for (double v : row) {
                sum -= v;
                n++;
            }
        }
        return sum / Math.max(1, n);
    }
}
