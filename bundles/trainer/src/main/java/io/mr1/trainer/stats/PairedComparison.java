package io.mr1.trainer.stats;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Compares two evaluations of one model family on the same items, in the same order: "before"
 * and "after" training. Items are the unit of resampling and of pairing, because an item's
 * difficulty is shared by both evaluations; treating the k samples of an item as independent
 * would understate the noise.
 *
 * <ul>
 *   <li>Greedy accuracy (one correct/incorrect per item): the exact McNemar test, i.e. the
 *       two-sided binomial test with p = 1/2 on the discordant items; Wilson 95% intervals for
 *       each accuracy; a paired bootstrap interval for the change.</li>
 *   <li>Sampled pass@1 (k samples per item, c correct): the per-item pass rates c/k before and
 *       after, compared with the paired sign-flip permutation test on their differences (exact
 *       by enumeration when at most {@value #EXACT_LIMIT} items differ, else Monte Carlo with a
 *       fixed seed); bootstrap percentile intervals over items for each figure and for the
 *       change. With k = 1 this test is the exact McNemar test.</li>
 * </ul>
 */
public final class PairedComparison {

    /** The 97.5% standard normal quantile, for 95% two-sided intervals. */
    static final double Z95 = 1.959963984540054;
    /** Resamples of the bootstrap intervals. */
    static final int BOOTSTRAP = 10_000;
    /** Random sign flips of the permutation test when it is not exact. */
    static final int PERMUTATIONS = 20_000;
    /** Up to this many non-zero differences the permutation test enumerates all 2^n sign patterns. */
    static final int EXACT_LIMIT = 16;

    private PairedComparison() {
    }

    /**
     * A 95% interval.
     *
     * @param low lower end
     * @param high upper end
     */
    public record Interval(double low, double high) {
    }

    /**
     * A before/after comparison.
     *
     * @param items paired items
     * @param before the figure before (a fraction)
     * @param beforeInterval its 95% interval
     * @param after the figure after
     * @param afterInterval its 95% interval
     * @param change after minus before
     * @param changeInterval the change's 95% paired bootstrap interval
     * @param pValue two-sided p-value of "no change"
     * @param test how the p-value and intervals were obtained, in words
     */
    public record Comparison(int items, double before, Interval beforeInterval, double after, Interval afterInterval,
                             double change, Interval changeInterval, double pValue, String test) {
    }

    /**
     * Greedy accuracy before and after: exact McNemar, Wilson intervals, paired bootstrap for the change.
     *
     * @param before per item, correct before
     * @param after per item, correct after (same items, same order)
     * @param seed seed of the bootstrap
     * @return the comparison
     */
    public static Comparison correctness(boolean[] before, boolean[] after, long seed) {
        requirePaired(before.length, after.length);
        int n = before.length;
        int right = 0;
        int rightAfter = 0;
        int lost = 0; // b: right before, wrong after
        int gained = 0; // c: wrong before, right after
        double[] b = new double[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            right += before[i] ? 1 : 0;
            rightAfter += after[i] ? 1 : 0;
            lost += before[i] && !after[i] ? 1 : 0;
            gained += !before[i] && after[i] ? 1 : 0;
            b[i] = before[i] ? 1 : 0;
            a[i] = after[i] ? 1 : 0;
        }
        Interval[] boot = bootstrap(b, a, seed);
        return new Comparison(n, fraction(right, n), wilson(right, n), fraction(rightAfter, n), wilson(rightAfter, n),
                fraction(rightAfter - right, n), boot[2], mcnemarExact(lost, gained),
                "exact McNemar test (" + lost + " items right before and wrong after, " + gained
                        + " wrong before and right after); Wilson 95% intervals; change: paired bootstrap over items ("
                        + BOOTSTRAP + " resamples)");
    }

    /**
     * Sampled pass@1 before and after from per-item counts of correct samples out of k.
     *
     * @param before per item, correct samples before
     * @param after per item, correct samples after (same items, same order)
     * @param k samples per item
     * @param seed seed of the bootstrap and of the Monte Carlo permutations
     * @return the comparison
     */
    public static Comparison passRates(int[] before, int[] after, int k, long seed) {
        requirePaired(before.length, after.length);
        if (k < 1) {
            throw new IllegalArgumentException("samples per item must be >= 1, got " + k);
        }
        int n = before.length;
        double[] b = new double[n];
        double[] a = new double[n];
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            if (before[i] < 0 || before[i] > k || after[i] < 0 || after[i] > k) {
                throw new IllegalArgumentException("item " + i + ": correct counts must be in 0.." + k + ", got "
                        + before[i] + " and " + after[i]);
            }
            b[i] = (double) before[i] / k;
            a[i] = (double) after[i] / k;
            d[i] = after[i] - before[i]; // in counts: exact arithmetic for the permutation statistic
        }
        Interval[] boot = bootstrap(b, a, seed);
        double meanB = mean(b);
        double meanA = mean(a);
        long nonZero = Arrays.stream(d).filter(v -> v != 0).count();
        return new Comparison(n, meanB, boot[0], meanA, boot[1], meanA - meanB, boot[2], signFlip(d, seed),
                "paired sign-flip permutation test on per-item pass rates (" + (nonZero <= EXACT_LIMIT
                        ? "exact" : PERMUTATIONS + " random sign patterns") + ", " + nonZero
                        + " items changed); 95% intervals: bootstrap over items (" + BOOTSTRAP + " resamples)");
    }

    /**
     * The exact McNemar test: two-sided binomial test of b successes in b + c trials at p = 1/2.
     *
     * @param b discordant items one way
     * @param c discordant items the other way
     * @return the two-sided p-value (1 when there is no discordant item)
     */
    public static double mcnemarExact(int b, int c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
        int n = b + c;
        int m = Math.min(b, c);
        if (2 * m == n) {
            return 1.0; // b == c, including no discordant items: the observed split is the most likely one
        }
        // P(X <= m) for X ~ Binomial(n, 1/2), in log space so that n in the thousands does not underflow.
        double logC = 0; // log C(n, 0)
        double tail = 0;
        double log2n = n * Math.log(2);
        for (int i = 0; i <= m; i++) {
            tail += Math.exp(logC - log2n);
            logC += Math.log(n - i) - Math.log(i + 1);
        }
        return Math.min(1.0, 2 * tail);
    }

    /**
     * The Wilson score interval at 95%.
     *
     * @param successes successes
     * @param n trials
     * @return the interval ([0, 1] when n is 0)
     */
    public static Interval wilson(long successes, long n) {
        if (n == 0) {
            return new Interval(0, 1);
        }
        double p = (double) successes / n;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * Two-sided paired sign-flip permutation test of mean zero: the share of sign patterns of the
     * differences whose sum is at least as far from zero as the observed sum. Under "no change" the
     * before and after values of an item are exchangeable, so each difference is as likely
     * negated. Exact for up to {@link #EXACT_LIMIT} non-zero differences, else Monte Carlo with
     * the observed pattern counted ((1 + hits) / (1 + draws), never 0).
     *
     * @param differences per-item differences (zeros are left out: flipping them changes nothing)
     * @param seed seed of the Monte Carlo draws
     * @return the p-value
     */
    static double signFlip(double[] differences, long seed) {
        double[] d = Arrays.stream(differences).filter(v -> v != 0).toArray();
        if (d.length == 0) {
            return 1.0;
        }
        double observed = Math.abs(Arrays.stream(d).sum());
        double tolerance = 1e-9 * Arrays.stream(d).map(Math::abs).sum();
        if (d.length <= EXACT_LIMIT) {
            long hits = 0;
            long patterns = 1L << d.length;
            for (long mask = 0; mask < patterns; mask++) {
                double s = 0;
                for (int i = 0; i < d.length; i++) {
                    s += (mask >>> i & 1) == 0 ? d[i] : -d[i];
                }
                hits += Math.abs(s) >= observed - tolerance ? 1 : 0;
            }
            return (double) hits / patterns;
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long hits = 0;
        for (int draw = 0; draw < PERMUTATIONS; draw++) {
            double s = 0;
            for (double v : d) {
                s += random.nextBoolean() ? v : -v;
            }
            hits += Math.abs(s) >= observed - tolerance ? 1 : 0;
        }
        return (1.0 + hits) / (1.0 + PERMUTATIONS);
    }

    /**
     * Percentile bootstrap over items: each resample draws n items with replacement and takes
     * the mean before, the mean after and their difference on the same drawn items.
     *
     * @return 95% intervals of before, after and after - before
     */
    static Interval[] bootstrap(double[] before, double[] after, long seed) {
        int n = before.length;
        if (n == 0) {
            return new Interval[] {new Interval(0, 1), new Interval(0, 1), new Interval(-1, 1)};
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] means = new double[3][BOOTSTRAP];
        for (int r = 0; r < BOOTSTRAP; r++) {
            double sb = 0;
            double sa = 0;
            for (int j = 0; j < n; j++) {
                int i = random.nextInt(n);
                sb += before[i];
                sa += after[i];
            }
            means[0][r] = sb / n;
            means[1][r] = sa / n;
            means[2][r] = (sa - sb) / n;
        }
        Interval[] out = new Interval[3];
        for (int s = 0; s < 3; s++) {
            Arrays.sort(means[s]);
            out[s] = new Interval(percentile(means[s], 0.025), percentile(means[s], 0.975));
        }
        return out;
    }

    /** Linear interpolation between order statistics (numpy's default). */
    static double percentile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
    }

    private static double fraction(long count, int n) {
        return n == 0 ? Double.NaN : (double) count / n;
    }

    private static void requirePaired(int before, int after) {
        if (before != after) {
            throw new IllegalArgumentException("paired evaluations need the same items: " + before + " before, "
                    + after + " after");
        }
    }
}
