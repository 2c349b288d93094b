package io.mr1.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.PolicyLoss.KlEstimator;
import org.junit.jupiter.api.Test;

class KlEstimatorsTest {

    @Test
    void handComputedValues() {
        double d = Math.log(2); // pi_ref / pi_theta = 2
        assertEquals(-0.6931471805599453, KlEstimators.value(KlEstimator.K1, d), 1e-15);
        assertEquals(0.2402265069591007, KlEstimators.value(KlEstimator.K2, d), 1e-15);
        assertEquals(0.3068528194400546, KlEstimators.value(KlEstimator.K3, d), 1e-15); // 2 - ln 2 - 1
    }

    @Test
    void zeroWhenThePoliciesAgree() {
        for (KlEstimator e : KlEstimator.values()) {
            assertEquals(0.0, KlEstimators.value(e, 0.0), 0.0, e.name());
        }
    }

    @Test
    void k3IsNeverNegative() {
        for (double d = -20; d <= 20; d += 0.01) {
            assertTrue(KlEstimators.value(KlEstimator.K3, d) >= 0, "k3(" + d + ")");
        }
        assertTrue(KlEstimators.value(KlEstimator.K3, 1e-12) >= 0);
        assertTrue(KlEstimators.value(KlEstimator.K3, -1e-12) >= 0);
    }

    @Test
    void derivativesMatchFiniteDifferencesInLogp() {
        double h = 1e-6;
        for (KlEstimator e : KlEstimator.values()) {
            for (double d : new double[] {-1.3, -0.2, 0.0, 0.4, 2.0}) {
                // d = ref - logp, so increasing logp by h decreases d by h
                double numeric = (KlEstimators.value(e, d - h) - KlEstimators.value(e, d + h)) / (2 * h);
                assertEquals(numeric, KlEstimators.derivative(e, d), 1e-8, e + " at d=" + d);
            }
        }
    }
}
