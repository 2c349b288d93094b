/**
 * GRPO-D as a {@link io.mr1.trainer.loop.StepAlgorithm}: sample G completions per prompt,
 * score them with fault-tolerant reward aggregation, form group-relative advantages and take
 * mu optimisation passes of the clipped objective with the scheduled KL weight; plus the
 * step's reward statistics. Not exported.
 */
package io.mr1.trainer.grpo;
