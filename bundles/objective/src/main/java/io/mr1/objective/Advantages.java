package io.mr1.objective;

/**
 * Group-relative advantages (paper Eq. 2): A_i = (r_i - mean(r)) / (std(r) + eps) over
 * the G completions of one prompt. As in R1-V, std is the unbiased sample standard
 * deviation (divides by G - 1) and eps = 1e-4 by default. Rewards that are all equal
 * (including G = 1) give advantages of exactly 0: such a group carries no learning signal,
 * and the trainer counts it.
 */
public final class Advantages {

    /** R1-V's epsilon in the denominator. */
    public static final double DEFAULT_EPS = 1e-4;

    private Advantages() {
    }

    /**
     * Whether a group's rewards are all equal (exactly; no advantage can be formed).
     *
     * @param rewards the group's total rewards
     * @return true for all-equal rewards or a group of one
     */
    public static boolean allEqual(double[] rewards) {
        for (double r : rewards) {
            if (r != rewards[0]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Advantages of one group.
     *
     * @param rewards the group's total rewards r_1..r_G
     * @param scaleByStd divide by (std + eps) (paper, R1-V); false: only subtract the mean (Dr. GRPO)
     * @param eps added to the standard deviation
     * @return one advantage per completion
     */
    public static double[] group(double[] rewards, boolean scaleByStd, double eps) {
        int g = rewards.length;
        double[] out = new double[g];
        if (g == 0 || allEqual(rewards)) {
            return out;
        }
        double mean = 0;
        for (double r : rewards) {
            mean += r;
        }
        mean /= g;
        double var = 0;
        for (double r : rewards) {
            var += (r - mean) * (r - mean);
        }
        double std = Math.sqrt(var / (g - 1));
        for (int i = 0; i < g; i++) {
            out[i] = scaleByStd ? (rewards[i] - mean) / (std + eps) : rewards[i] - mean;
        }
        return out;
    }
}
