package io.mr1.api.backend;

/**
 * The loss one optimisation step minimises. A description, not code: every backend
 * computes it with the one engine-neutral implementation in mr1's trainer, and the
 * trainer's double-precision reference implementation is what conformance tests check
 * backends against.
 */
public sealed interface PolicyLoss permits PolicyLoss.Grpo, PolicyLoss.Sft {

    /** KL estimators of KL(pi_theta || pi_ref) per token, with d = log pi_ref - log pi_theta. */
    enum KlEstimator {
        /** k1 = -d (unbiased, can be negative). */
        K1,
        /** k2 = d^2 / 2. */
        K2,
        /** k3 = exp(d) - d - 1 (paper Eq. 5; unbiased and non-negative). The default. */
        K3
    }

    /** How per-token terms are reduced to one number. */
    enum Aggregation {
        /** Mean over each completion's tokens, then mean over completions (paper Eq. 4, R1-V). */
        SEQUENCE_MEAN,
        /** Sum over all tokens of the batch divided by the batch's token count (DAPO / TRL "bnpo"). */
        TOKEN_MEAN,
        /** Sum over all tokens divided by (completions x a constant length) (Dr. GRPO). */
        CONSTANT_LENGTH
    }

    /**
     * The GRPO-D objective (paper Eq. 4), negated to be minimised.
     *
     * @param beta KL weight at this step, beta(s) from the KL schedule
     * @param epsLow lower clip range: the ratio is clipped at 1 - epsLow
     * @param epsHigh upper clip range: the ratio is clipped at 1 + epsHigh (equal to epsLow when symmetric)
     * @param estimator KL estimator
     * @param aggregation reduction over tokens and completions
     * @param constantLength the normaliser L of {@link Aggregation#CONSTANT_LENGTH} (typically max completion length)
     */
    record Grpo(double beta, double epsLow, double epsHigh, KlEstimator estimator, Aggregation aggregation,
                int constantLength) implements PolicyLoss {
        /** Validates the ranges. */
        public Grpo {
            if (!(beta >= 0) || !(epsLow >= 0) || !(epsHigh >= 0)) {
                throw new IllegalArgumentException("beta, epsLow and epsHigh must be >= 0: "
                        + beta + ", " + epsLow + ", " + epsHigh);
            }
            if (aggregation == Aggregation.CONSTANT_LENGTH && constantLength < 1) {
                throw new IllegalArgumentException("constantLength must be >= 1 for CONSTANT_LENGTH");
            }
        }
    }

    /** Supervised fine-tuning: mean cross-entropy of the target completion tokens. */
    record Sft() implements PolicyLoss {
    }
}
