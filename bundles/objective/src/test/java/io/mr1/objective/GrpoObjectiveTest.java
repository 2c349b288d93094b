package io.mr1.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.api.backend.PolicyLoss;
import io.mr1.api.backend.PolicyLoss.Aggregation;
import io.mr1.api.backend.PolicyLoss.KlEstimator;
import io.mr1.tensor.DoubleTensor;
import io.mr1.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-computed values of the GRPO-D loss, its gradient by finite differences, and GrpoLoss vs the reference. */
class GrpoObjectiveTest {

    private static PolicyLoss.Grpo spec(double beta, double epsLow, double epsHigh, KlEstimator k, Aggregation agg) {
        return new PolicyLoss.Grpo(beta, epsLow, epsHigh, k, agg, 4);
    }

    private static final double LN_1_5 = Math.log(1.5);
    private static final double LN_0_5 = Math.log(0.5);

    @Test
    void clippingOnTheHighSideStopsTheGradientForPositiveAdvantage() {
        // rho = 1.5, A = +1, eps 0.2: min(1.5, 1.2) = 1.2 -> loss -1.2, clipped, no gradient
        var r = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{LN_1_5}}, new double[][] {{0}}, null, new double[] {1});
        assertEquals(-1.2, r.loss(), 1e-12);
        assertEquals(0.0, r.gradient()[0][0], 0.0);
        assertEquals(1.0, r.clipHighFraction(), 0.0);
        assertEquals(0.0, r.clipLowFraction(), 0.0);
    }

    @Test
    void highRatioWithNegativeAdvantageIsNotClipped() {
        // rho = 1.5, A = -1: min(-1.5, -1.2) = -1.5 -> loss 1.5; d/dlogp of -(rho A) = -rho A = 1.5
        var r = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{LN_1_5}}, new double[][] {{0}}, null, new double[] {-1});
        assertEquals(1.5, r.loss(), 1e-12);
        assertEquals(1.5, r.gradient()[0][0], 1e-12);
        assertEquals(0.0, r.clipHighFraction(), 0.0);
    }

    @Test
    void clippingOnTheLowSide() {
        // rho = 0.5, A = -1: min(-0.5, -0.8) = -0.8 -> loss 0.8, clipped, no gradient
        var low = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{LN_0_5}}, new double[][] {{0}}, null, new double[] {-1});
        assertEquals(0.8, low.loss(), 1e-12);
        assertEquals(0.0, low.gradient()[0][0], 0.0);
        assertEquals(1.0, low.clipLowFraction(), 0.0);
        // rho = 0.5, A = +1: min(0.5, 0.8) = 0.5 -> loss -0.5, gradient -rho A = -0.5
        var up = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{LN_0_5}}, new double[][] {{0}}, null, new double[] {1});
        assertEquals(-0.5, up.loss(), 1e-12);
        assertEquals(-0.5, up.gradient()[0][0], 1e-12);
        assertEquals(0.0, up.clipLowFraction(), 0.0);
    }

    @Test
    void asymmetricClipWithEpsHigh() {
        double ln125 = Math.log(1.25);
        // symmetric 0.2: min(1.25, 1.2) = 1.2 (clipped); eps_high 0.28: 1.25 stays (not clipped)
        var sym = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{ln125}}, new double[][] {{0}}, null, new double[] {1});
        var asym = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.28, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                new double[][] {{ln125}}, new double[][] {{0}}, null, new double[] {1});
        assertEquals(-1.2, sym.loss(), 1e-12);
        assertEquals(-1.25, asym.loss(), 1e-12);
        assertEquals(-1.25, asym.gradient()[0][0], 1e-12);
        assertEquals(0.0, asym.clipHighFraction(), 0.0);
    }

    @Test
    void ratioOneCarriesThePolicyGradientAndTheKlPenalty() {
        // mu = 1: logp = old, so rho = 1; ref = logp + ln 2 -> k3 = 2 - ln 2 - 1 = 0.30685
        double[][] logp = {{-1.0}};
        double[][] ref = {{-1.0 + Math.log(2)}};
        var r = GrpoReferenceObjective.evaluate(spec(0.1, 0.2, 0.2, KlEstimator.K3, Aggregation.SEQUENCE_MEAN),
                logp, logp, ref, new double[] {0.5});
        // loss = -(1 * 0.5 - 0.1 * 0.30685) = -0.469314718...
        assertEquals(-(0.5 - 0.1 * 0.3068528194400546), r.loss(), 1e-12);
        // gradient = -(A * rho - beta * (1 - exp(d))) = -(0.5 - 0.1 * (1 - 2)) = -0.6
        assertEquals(-0.6, r.gradient()[0][0], 1e-12);
        assertEquals(0.3068528194400546, r.klMean(), 1e-12);
    }

    @Test
    void eachAggregationByHand() {
        // rho = 1, beta = 0; A = [+1, -1]; per-token loss = -A: seq0 = [-1], seq1 = [1, 1, 1]
        double[][] logp = {{-0.5}, {-0.1, -0.2, -0.3}};
        double[] adv = {1, -1};
        double seq = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.SEQUENCE_MEAN),
                logp, logp, null, adv).loss();
        double tok = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN),
                logp, logp, null, adv).loss();
        double con = GrpoReferenceObjective.evaluate(spec(0, 0.2, 0.2, KlEstimator.K3, Aggregation.CONSTANT_LENGTH),
                logp, logp, null, adv).loss();
        assertEquals(0.0, seq, 1e-12);       // mean(-1 / 1, 3 / 3)
        assertEquals(0.5, tok, 1e-12);       // (-1 + 3) / 4 tokens
        assertEquals(0.25, con, 1e-12);      // (-1 + 3) / (2 completions * L = 4)
    }

    @Test
    void referenceGradientMatchesFiniteDifferences() {
        Random random = new Random(7);
        for (KlEstimator k : KlEstimator.values()) {
            for (Aggregation agg : Aggregation.values()) {
                PolicyLoss.Grpo s = spec(0.04, 0.2, 0.28, k, agg);
                double[][] logp = new double[3][];
                double[][] old = new double[3][];
                double[][] ref = new double[3][];
                double[] adv = {1.1, -0.7, 0.3};
                for (int i = 0; i < 3; i++) {
                    int len = 2 + i;
                    logp[i] = new double[len];
                    old[i] = new double[len];
                    ref[i] = new double[len];
                    for (int t = 0; t < len; t++) {
                        old[i][t] = -0.2 - random.nextDouble() * 2;
                        ref[i][t] = old[i][t] + random.nextGaussian() * 0.3;
                        double ratio;
                        do { // keep away from the clip kinks, where the derivative jumps
                            logp[i][t] = old[i][t] + random.nextGaussian() * 0.3;
                            ratio = Math.exp(logp[i][t] - old[i][t]);
                        } while (Math.abs(ratio - 0.8) < 1e-3 || Math.abs(ratio - 1.28) < 1e-3);
                    }
                }
                var r = GrpoReferenceObjective.evaluate(s, logp, old, ref, adv);
                double h = 1e-6;
                double num = 0;
                double den = 0;
                for (int i = 0; i < 3; i++) {
                    for (int t = 0; t < logp[i].length; t++) {
                        double keep = logp[i][t];
                        logp[i][t] = keep + h;
                        double plus = GrpoReferenceObjective.evaluate(s, logp, old, ref, adv).loss();
                        logp[i][t] = keep - h;
                        double minus = GrpoReferenceObjective.evaluate(s, logp, old, ref, adv).loss();
                        logp[i][t] = keep;
                        double fd = (plus - minus) / (2 * h);
                        num += (fd - r.gradient()[i][t]) * (fd - r.gradient()[i][t]);
                        den += r.gradient()[i][t] * r.gradient()[i][t];
                    }
                }
                double relErr = Math.sqrt(num / den);
                assertTrue(relErr < 1e-6, k + "/" + agg + ": relative error " + relErr);
            }
        }
    }

    @Test
    void tensorLossEqualsTheReferenceOnEveryEstimatorAndAggregation() {
        Random random = new Random(11);
        int batch = 4;
        int maxLen = 5;
        int[] lens = {5, 2, 3, 1};
        double[][] logp = new double[batch][];
        double[][] old = new double[batch][];
        double[][] ref = new double[batch][];
        double[] adv = {0.9, -1.2, 0.0, 0.4};
        double[] lp = new double[batch * maxLen];
        double[] op = new double[batch * maxLen];
        double[] rp = new double[batch * maxLen];
        double[] mask = new double[batch * maxLen];
        for (int i = 0; i < batch; i++) {
            logp[i] = new double[lens[i]];
            old[i] = new double[lens[i]];
            ref[i] = new double[lens[i]];
            for (int t = 0; t < lens[i]; t++) {
                old[i][t] = -random.nextDouble() * 3;
                logp[i][t] = old[i][t] + random.nextGaussian() * 0.4;
                ref[i][t] = old[i][t] + random.nextGaussian() * 0.4;
                lp[i * maxLen + t] = logp[i][t];
                op[i * maxLen + t] = old[i][t];
                rp[i * maxLen + t] = ref[i][t];
                mask[i * maxLen + t] = 1;
            }
            for (int t = lens[i]; t < maxLen; t++) { // padding must not matter
                lp[i * maxLen + t] = 5;
                op[i * maxLen + t] = -5;
                rp[i * maxLen + t] = 9;
            }
        }
        Tensor tLogp = DoubleTensor.of(lp, batch, maxLen);
        Tensor tOld = DoubleTensor.of(op, batch, maxLen);
        Tensor tRef = DoubleTensor.of(rp, batch, maxLen);
        Tensor tAdv = DoubleTensor.of(adv, batch, 1);
        Tensor tMask = DoubleTensor.of(mask, batch, maxLen);
        for (KlEstimator k : KlEstimator.values()) {
            for (Aggregation agg : Aggregation.values()) {
                PolicyLoss.Grpo s = new PolicyLoss.Grpo(0.04, 0.2, 0.28, k, agg, 7);
                var expected = GrpoReferenceObjective.evaluate(s, logp, old, ref, adv);
                var actual = GrpoLoss.compute(s, tLogp, tOld, tRef, tAdv, tMask);
                assertEquals(expected.loss(), actual.loss().toScalar(), 1e-12 * Math.max(1, Math.abs(expected.loss())),
                        k + "/" + agg);
                assertEquals(expected.klMean(), actual.klMean().toScalar(), 1e-12);
                assertEquals(expected.clipLowFraction(), actual.clipLowFraction().toScalar(), 1e-15);
                assertEquals(expected.clipHighFraction(), actual.clipHighFraction().toScalar(), 1e-15);
            }
        }
    }

    @Test
    void betaWithoutReferenceIsRejected() {
        PolicyLoss.Grpo s = spec(0.04, 0.2, 0.2, KlEstimator.K3, Aggregation.TOKEN_MEAN);
        Tensor x = DoubleTensor.of(new double[] {0}, 1, 1);
        try {
            GrpoLoss.compute(s, x, x, null, x, x);
            throw new AssertionError("expected a failure");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("reference"));
        }
    }
}
