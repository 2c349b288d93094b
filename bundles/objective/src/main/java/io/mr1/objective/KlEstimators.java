package io.mr1.objective;

import io.mr1.api.backend.PolicyLoss.KlEstimator;

/**
 * The per-token KL estimators of KL(pi_theta || pi_ref) as functions of
 * d = log pi_ref - log pi_theta, and their derivatives with respect to log pi_theta.
 * k3 = exp(d) - d - 1 is the paper's Eq. 5 (= pi_ref/pi_theta - log(pi_ref/pi_theta) - 1).
 */
public final class KlEstimators {

    private KlEstimators() {
    }

    /**
     * The estimate.
     *
     * @param estimator which one
     * @param d log pi_ref - log pi_theta
     * @return k1 = -d, k2 = d^2/2, or k3 = exp(d) - d - 1
     */
    public static double value(KlEstimator estimator, double d) {
        return switch (estimator) {
            case K1 -> -d;
            case K2 -> 0.5 * d * d;
            case K3 -> Math.expm1(d) - d; // expm1 keeps k3 accurate (and >= 0) for tiny d
        };
    }

    /**
     * Derivative of the estimate with respect to log pi_theta (d depends on it with slope -1).
     *
     * @param estimator which one
     * @param d log pi_ref - log pi_theta
     * @return dk/dlogp: 1 for k1, -d for k2, 1 - exp(d) for k3
     */
    public static double derivative(KlEstimator estimator, double d) {
        return switch (estimator) {
            case K1 -> 1.0;
            case K2 -> -d;
            case K3 -> -Math.expm1(d);
        };
    }
}
