package io.mr1.api.backend;

import java.util.List;

/**
 * What the loss of one optimisation step measured, typed: a backend fills every field it is
 * asked for, and the conformance kit checks each against the double-precision reference, so
 * the trainer (and an adaptive KL controller steering on {@link #kl}) never reads a silent
 * default. Fields that a loss does not define are NaN: an SFT step has no KL and no clipping.
 *
 * @param completions completions the loss covered
 * @param tokens completion tokens the loss covered (the mask's sum)
 * @param kl mean per-token KL estimate to the reference (0 when beta is 0 and no reference was given; NaN for SFT)
 * @param clipRatioLow fraction of tokens with ratio &lt; 1 - epsLow and negative advantage (TRL's
 *     {@code clip_ratio/low_mean}; NaN for SFT)
 * @param clipRatioHigh fraction of tokens with ratio &gt; 1 + epsHigh and positive advantage (TRL's
 *     {@code clip_ratio/high_mean}; NaN for SFT)
 */
public record LossStatistics(int completions, long tokens, double kl, double clipRatioLow, double clipRatioHigh) {

    /** Validates counts and values. */
    public LossStatistics {
        if (completions < 0 || tokens < 0) {
            throw new IllegalArgumentException("negative counts: " + completions + " completions, " + tokens + " tokens");
        }
        if (Double.isInfinite(kl) || Double.isInfinite(clipRatioLow) || Double.isInfinite(clipRatioHigh)) {
            throw new IllegalArgumentException("infinite loss statistic: kl " + kl + ", clip " + clipRatioLow + "/"
                    + clipRatioHigh);
        }
    }

    /**
     * Statistics of a supervised step, where KL and clipping are not defined.
     *
     * @param completions targets trained on
     * @param tokens their tokens
     * @return the statistics, KL and clip ratios NaN
     */
    public static LossStatistics supervised(int completions, long tokens) {
        return new LossStatistics(completions, tokens, Double.NaN, Double.NaN, Double.NaN);
    }

    /** @return whether KL and clip ratios are defined (a GRPO step) */
    public boolean hasPolicyTerms() {
        return !Double.isNaN(kl);
    }

    /**
     * Statistics of several parts (micro-batches, or the passes of one step) as one: counts add,
     * per-token means are weighted by tokens, which gives exactly the whole batch's means.
     *
     * @param parts the parts, at least one
     * @return the combined statistics
     */
    public static LossStatistics combine(List<LossStatistics> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine");
        }
        int completions = 0;
        long tokens = 0;
        double kl = 0;
        double low = 0;
        double high = 0;
        for (LossStatistics p : parts) {
            completions += p.completions;
            tokens += p.tokens;
            kl += p.kl * p.tokens;
            low += p.clipRatioLow * p.tokens;
            high += p.clipRatioHigh * p.tokens;
        }
        double denom = Math.max(1, tokens);
        return new LossStatistics(completions, tokens, kl / denom, low / denom, high / denom);
    }
}
