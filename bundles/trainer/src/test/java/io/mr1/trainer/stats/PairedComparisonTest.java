package io.mr1.trainer.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mr1.trainer.stats.PairedComparison.Comparison;
import io.mr1.trainer.stats.PairedComparison.Interval;
import org.junit.jupiter.api.Test;

/**
 * Oracle values were computed independently with Python 3.11, SciPy 1.17.1 and NumPy 2.4.6:
 * McNemar p-values as {@code scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue}; Wilson
 * intervals as {@code scipy.stats.binomtest(x, n).proportion_ci(0.95, method="wilson")};
 * sign-flip p-values as {@code scipy.stats.permutation_test((d,), numpy.mean,
 * permutation_type="samples", n_resamples=numpy.inf).pvalue} (exact enumeration) with d the
 * per-item differences of pass rates.
 */
class PairedComparisonTest {

    @Test
    void mcnemarExactMatchesTheBinomialTest() {
        assertEquals(0.03857421875, PairedComparison.mcnemarExact(10, 2), 1e-12); // the textbook 0.0386
        assertEquals(0.03857421875, PairedComparison.mcnemarExact(2, 10), 1e-12);
        assertEquals(0.25, PairedComparison.mcnemarExact(3, 0), 1e-12);
        assertEquals(0.04703102743951604, PairedComparison.mcnemarExact(25, 12), 1e-12);
        assertEquals(0.046044066929342785, PairedComparison.mcnemarExact(40, 61), 1e-12);
        assertEquals(0.011050481081929898, PairedComparison.mcnemarExact(300, 240), 1e-10);
        assertEquals(1.0, PairedComparison.mcnemarExact(5, 5), 0);
        assertEquals(1.0, PairedComparison.mcnemarExact(0, 0), 0);
        assertEquals(1.0, PairedComparison.mcnemarExact(1, 0), 0);
        // large counts do not underflow: 2 x P(X <= 1000) for X ~ Bin(2400, 1/2) is tiny but positive
        double tiny = PairedComparison.mcnemarExact(1000, 1400);
        assertTrue(tiny > 0 && tiny < 1e-9, Double.toString(tiny));
    }

    @Test
    void wilsonIntervalsMatchScipy() {
        assertInterval(0.0, 0.27753279986288926, PairedComparison.wilson(0, 10));
        assertInterval(0.7224672001371109, 1.0, PairedComparison.wilson(10, 10));
        assertInterval(0.35614537979511984, 0.5475539700255787, PairedComparison.wilson(45, 100));
        assertInterval(0.4642858166418579, 0.5515921939107571, PairedComparison.wilson(254, 500));
        assertInterval(0.5291118177871464, 0.9775825085499433, PairedComparison.wilson(7, 8));
    }

    @Test
    void signFlipTestIsExactForFewChangedItems() {
        assertEquals(0.03125, PairedComparison.signFlip(diff(new int[] {0, 1, 2, 4, 3, 1, 0, 2, 4, 1},
                new int[] {1, 2, 2, 4, 4, 3, 1, 2, 4, 2}), 1), 1e-12);
        assertEquals(0.6875, PairedComparison.signFlip(diff(new int[] {2, 2, 1, 3, 0, 4, 2, 1},
                new int[] {1, 3, 1, 2, 1, 4, 3, 2}), 1), 1e-12);
        assertEquals(0.75, PairedComparison.signFlip(diff(new int[] {0, 4, 1, 2, 3}, new int[] {2, 4, 0, 4, 2}), 1),
                1e-12);
        assertEquals(0.01953125, PairedComparison.signFlip(diff(new int[] {1, 0, 3, 2, 4, 0, 1, 2, 3, 1, 0, 2},
                new int[] {3, 1, 3, 4, 4, 2, 1, 3, 2, 3, 1, 4}), 1), 1e-12);
        assertEquals(1.0, PairedComparison.signFlip(new double[] {0, 0, 0}, 1), 0);
    }

    @Test
    void withOneSamplePerItemThePassRateTestIsMcNemar() {
        // 10 items lost, 2 gained, 30 unchanged: exact enumeration of the 12 changed items
        Comparison exact = PairedComparison.passRates(counts(10, 2, 30, 0), counts(10, 2, 30, 1), 1, 3);
        assertEquals(0.03857421875, exact.pValue(), 1e-12);
        // 25 lost, 12 gained: 37 changed items, Monte Carlo with 20000 patterns; 0.0470 +- 4 standard errors
        Comparison sampled = PairedComparison.passRates(counts(25, 12, 100, 0), counts(25, 12, 100, 1), 1, 3);
        assertEquals(0.04703102743951604, sampled.pValue(), 0.006);
        assertTrue(sampled.test().contains("20000 random sign patterns"), sampled.test());
    }

    @Test
    void correctnessUsesMcNemarAndWilson() {
        boolean[] before = new boolean[42];
        boolean[] after = new boolean[42];
        for (int i = 0; i < 42; i++) {
            before[i] = i < 10 || i >= 12 && i < 27; // 10 lost (0-9), 2 gained (10-11), 15 right both, 15 wrong both
            after[i] = i >= 10 && i < 27;
        }
        Comparison c = PairedComparison.correctness(before, after, 9);
        assertEquals(42, c.items());
        assertEquals(25 / 42.0, c.before(), 1e-12);
        assertEquals(17 / 42.0, c.after(), 1e-12);
        assertEquals(-8 / 42.0, c.change(), 1e-12);
        assertEquals(0.03857421875, c.pValue(), 1e-12);
        assertEquals(PairedComparison.wilson(25, 42), c.beforeInterval());
        assertEquals(PairedComparison.wilson(17, 42), c.afterInterval());
        assertTrue(c.changeInterval().low() < c.change() && c.change() < c.changeInterval().high());
        assertTrue(c.changeInterval().high() < 0, "12 discordant, 10 against: the whole interval is a loss");
        assertTrue(c.test().contains("10 items right before and wrong after, 2 wrong before and right after"));
    }

    @Test
    void bootstrapIsSeededPairedAndCalibrated() {
        int n = 400;
        double[] before = new double[n];
        double[] after = new double[n];
        for (int i = 0; i < n; i++) {
            before[i] = i % 2;
            after[i] = i % 2;
        }
        Interval[] same = PairedComparison.bootstrap(before, after, 5);
        // The same items drawn for both sides: identical evaluations have a change of exactly 0.
        assertEquals(new Interval(0, 0), same[2]);
        // Half right out of 400: about 0.5 +- 1.96 x 0.025.
        assertEquals(0.451, same[0].low(), 0.01);
        assertEquals(0.549, same[0].high(), 0.01);
        Interval[] again = PairedComparison.bootstrap(before, after, 5);
        assertArrayEquals(same, again, "same seed, same intervals");
    }

    @Test
    void passRatesReportMeansAndRejectBadCounts() {
        Comparison c = PairedComparison.passRates(new int[] {0, 1, 2, 4, 3, 1, 0, 2, 4, 1},
                new int[] {1, 2, 2, 4, 4, 3, 1, 2, 4, 2}, 4, 11);
        assertEquals(18 / 40.0, c.before(), 1e-12);
        assertEquals(25 / 40.0, c.after(), 1e-12);
        assertEquals(7 / 40.0, c.change(), 1e-12);
        assertEquals(0.03125, c.pValue(), 1e-12);
        assertTrue(c.beforeInterval().low() <= c.before() && c.before() <= c.beforeInterval().high());
        assertTrue(c.changeInterval().low() > 0, "every item stayed or improved");
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.passRates(new int[] {5}, new int[] {1}, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.passRates(new int[] {1}, new int[] {1, 2}, 4,
                1));
    }

    @Test
    void percentileInterpolatesLikeNumpy() {
        // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = 1.075, 3.925
        double[] sorted = {1, 2, 3, 4};
        assertEquals(1.075, PairedComparison.percentile(sorted, 0.025), 1e-12);
        assertEquals(3.925, PairedComparison.percentile(sorted, 0.975), 1e-12);
    }

    private static void assertInterval(double low, double high, Interval actual) {
        assertEquals(low, actual.low(), 1e-12, "low");
        assertEquals(high, actual.high(), 1e-12, "high");
    }

    private static double[] diff(int[] before, int[] after) {
        double[] d = new double[before.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (after[i] - before[i]) / 4.0;
        }
        return d;
    }

    /** lost items (1 then 0), gained items (0 then 1), unchanged items (0 both); side 0 = before, 1 = after. */
    private static int[] counts(int lost, int gained, int unchanged, int side) {
        int[] c = new int[lost + gained + unchanged];
        for (int i = 0; i < lost; i++) {
            c[i] = side == 0 ? 1 : 0;
        }
        for (int i = lost; i < lost + gained; i++) {
            c[i] = side == 0 ? 0 : 1;
        }
        return c;
    }
}
