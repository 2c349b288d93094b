package io.mr1.objective;

import io.mr1.api.backend.PolicyLoss;

/**
 * An independent double-precision implementation of the GRPO-D loss and its exact
 * gradient with respect to each token's log-prob, written with plain loops (not on the
 * tensor layer) so that it can check both {@link GrpoLoss} and every backend's autograd.
 * Completions are ragged arrays: {@code logp[i]} holds completion i's tokens only.
 */
public final class GrpoReferenceObjective {

    /**
     * Value, gradient and statistics.
     *
     * @param loss the loss
     * @param gradient d loss / d logp[i][t], same shape as the input
     * @param klMean mean per-token KL estimate
     * @param clipLowFraction fraction of tokens with rho &lt; 1 - epsLow and A &lt; 0
     * @param clipHighFraction fraction of tokens with rho &gt; 1 + epsHigh and A &gt; 0
     */
    public record Result(double loss, double[][] gradient, double klMean, double clipLowFraction,
                         double clipHighFraction) {
    }

    private GrpoReferenceObjective() {
    }

    /**
     * Evaluates the loss.
     *
     * @param spec the loss description
     * @param logp log-probs under the trained policy, one array per completion
     * @param oldLogp log-probs under pi_old, same shape (pass logp itself for ratio 1)
     * @param refLogp log-probs under the reference, same shape; null only when beta is 0
     * @param advantages one per completion
     * @return value, gradient and statistics
     */
    public static Result evaluate(PolicyLoss.Grpo spec, double[][] logp, double[][] oldLogp, double[][] refLogp,
                                  double[] advantages) {
        int batch = logp.length;
        if (oldLogp.length != batch || advantages.length != batch || (refLogp != null && refLogp.length != batch)) {
            throw new IllegalArgumentException("inputs must have one entry per completion");
        }
        if (refLogp == null && spec.beta() != 0) {
            throw new IllegalArgumentException("beta is " + spec.beta() + " but no reference log-probs were given");
        }
        long tokens = 0;
        for (double[] row : logp) {
            tokens += row.length;
        }
        double loss = 0;
        double klSum = 0;
        long clipLow = 0;
        long clipHigh = 0;
        double[][] grad = new double[batch][];
        for (int i = 0; i < batch; i++) {
            int len = logp[i].length;
            grad[i] = new double[len];
            double weight = switch (spec.aggregation()) {
                case SEQUENCE_MEAN -> 1.0 / (batch * (double) Math.max(1, len));
                case TOKEN_MEAN -> 1.0 / Math.max(1, tokens);
                case CONSTANT_LENGTH -> 1.0 / (batch * (double) spec.constantLength());
            };
            double a = advantages[i];
            for (int t = 0; t < len; t++) {
                double ratio = Math.exp(logp[i][t] - oldLogp[i][t]);
                double clippedRatio = Math.max(1 - spec.epsLow(), Math.min(1 + spec.epsHigh(), ratio));
                double unclipped = ratio * a;
                double clipped = clippedRatio * a;
                double surrogate;
                double surrogateGrad;
                if (unclipped <= clipped) {
                    surrogate = unclipped;
                    surrogateGrad = unclipped; // d(rho * A)/dlogp = rho * A
                } else {
                    surrogate = clipped;
                    // clipped < unclipped only when the clip is active, where clip has slope 0
                    surrogateGrad = clippedRatio == ratio ? unclipped : 0.0;
                }
                double kl = 0;
                double klGrad = 0;
                if (refLogp != null) {
                    double d = refLogp[i][t] - logp[i][t];
                    kl = KlEstimators.value(spec.estimator(), d);
                    klGrad = KlEstimators.derivative(spec.estimator(), d);
                }
                loss += -weight * (surrogate - spec.beta() * kl);
                grad[i][t] = -weight * (surrogateGrad - spec.beta() * klGrad);
                klSum += kl;
                if (ratio < 1 - spec.epsLow() && a < 0) {
                    clipLow++;
                }
                if (ratio > 1 + spec.epsHigh() && a > 0) {
                    clipHigh++;
                }
            }
        }
        double denom = Math.max(1, tokens);
        return new Result(loss, grad, klSum / denom, clipLow / denom, clipHigh / denom);
    }
}
