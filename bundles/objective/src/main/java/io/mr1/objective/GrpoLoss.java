package io.mr1.objective;

import io.mr1.api.backend.PolicyLoss;
import io.mr1.tensor.Tensor;

/**
 * The GRPO-D loss (the negated objective of paper Eq. 4), written once on the
 * engine-neutral tensor layer; every backend calls this with its own tensors, so all
 * compute the same thing. Per token:
 * <pre>
 *   rho   = exp(logp - logp_old)
 *   obj   = min(rho * A, clip(rho, 1 - epsLow, 1 + epsHigh) * A) - beta * KL(d),  d = logp_ref - logp
 *   loss  = aggregate(-obj over the completion mask)
 * </pre>
 * The code does not branch on tensor values, only on the loss description, so graph
 * engines can build it once per shape bucket.
 */
public final class GrpoLoss {

    /**
     * The loss and its statistics, as tensors of the calling engine (scalars).
     *
     * @param loss the value to minimise; carries the gradient
     * @param klMean mean per-token KL estimate over the mask (no gradient)
     * @param clipLowFraction fraction of tokens with rho &lt; 1 - epsLow and A &lt; 0 (no gradient)
     * @param clipHighFraction fraction of tokens with rho &gt; 1 + epsHigh and A &gt; 0 (no gradient)
     * @param tokens the number of completion tokens (the mask's sum; no gradient)
     */
    public record Terms(Tensor loss, Tensor klMean, Tensor clipLowFraction, Tensor clipHighFraction, Tensor tokens) {
    }

    private GrpoLoss() {
    }

    /**
     * Builds the loss.
     *
     * @param spec the loss description (beta, clip ranges, estimator, aggregation)
     * @param logp per-token log-probs under the policy being trained, shape [B, L], with gradient
     * @param oldLogp per-token log-probs under pi_old, [B, L], constant; pass {@code logp.detach()}
     *     for one pass per sampled batch (ratio exactly 1)
     * @param refLogp per-token log-probs under the reference, [B, L], constant; may be null only when beta is 0
     * @param advantages one advantage per completion, shape [B, 1]
     * @param mask 1 for completion tokens, 0 for padding, [B, L]
     * @return the loss and statistics
     */
    public static Terms compute(PolicyLoss.Grpo spec, Tensor logp, Tensor oldLogp, Tensor refLogp,
                                Tensor advantages, Tensor mask) {
        long[] shape = logp.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("logp must be [B, L], was rank " + shape.length);
        }
        long batch = shape[0];
        Tensor ratio = logp.sub(oldLogp).exp();
        Tensor unclipped = ratio.mul(advantages);
        Tensor clipped = ratio.clip(1 - spec.epsLow(), 1 + spec.epsHigh()).mul(advantages);
        Tensor objective = unclipped.minimum(clipped);

        Tensor tokenCount = mask.sum().clip(1, Double.MAX_VALUE);
        Tensor klMean;
        if (refLogp != null) {
            Tensor kl = klEstimate(spec.estimator(), refLogp.sub(logp));
            objective = objective.sub(kl.mul(spec.beta()));
            klMean = kl.mul(mask).sum().div(tokenCount).detach();
        } else if (spec.beta() != 0) {
            throw new IllegalArgumentException("beta is " + spec.beta() + " but no reference log-probs were given");
        } else {
            klMean = mask.sum().mul(0.0).detach();
        }

        Tensor maskedLoss = objective.neg().mul(mask);
        Tensor loss = switch (spec.aggregation()) {
            case SEQUENCE_MEAN -> maskedLoss.sum(1).div(mask.sum(1).clip(1, Double.MAX_VALUE)).sum()
                    .mul(1.0 / batch);
            case TOKEN_MEAN -> maskedLoss.sum().div(tokenCount);
            case CONSTANT_LENGTH -> maskedLoss.sum().mul(1.0 / (batch * (double) spec.constantLength()));
        };

        Tensor frozenRatio = ratio.detach();
        Tensor clipLow = frozenRatio.lt(1 - spec.epsLow()).mul(advantages.lt(0)).mul(mask).sum().div(tokenCount);
        Tensor clipHigh = frozenRatio.gt(1 + spec.epsHigh()).mul(advantages.gt(0)).mul(mask).sum().div(tokenCount);
        return new Terms(loss, klMean, clipLow, clipHigh, mask.sum().detach());
    }

    /**
     * The factor that makes the loss of one micro-batch a part of the whole batch's loss, so
     * that the micro-batches' gradients, accumulated, equal the gradient of one pass: the
     * per-sequence and constant-length reductions divide by the completion count (weight
     * b / B), the token mean by the token count (weight t / T).
     *
     * @param aggregation the loss's reduction
     * @param completions completions in the micro-batch
     * @param tokens completion tokens in the micro-batch
     * @param totalCompletions completions in the whole batch
     * @param totalTokens completion tokens in the whole batch
     * @return the weight of the micro-batch's loss
     */
    public static double microBatchWeight(PolicyLoss.Aggregation aggregation, int completions, long tokens,
                                          int totalCompletions, long totalTokens) {
        return switch (aggregation) {
            case SEQUENCE_MEAN, CONSTANT_LENGTH -> (double) completions / totalCompletions;
            // GrpoLoss divides a micro-batch without tokens by 1, not 0: its loss is 0 either way
            case TOKEN_MEAN -> (double) Math.max(1, tokens) / Math.max(1, totalTokens);
        };
    }

    /** k1, k2 or k3 of d = logp_ref - logp, elementwise. */
    static Tensor klEstimate(PolicyLoss.KlEstimator estimator, Tensor d) {
        return switch (estimator) {
            case K1 -> d.neg();
            case K2 -> d.square().mul(0.5);
            case K3 -> d.exp().sub(d).add(-1.0);
        };
    }
}
