/**
 * The constant KL schedule: beta(s) = beta at every step, the fixed KL weight of plain
 * GRPO (OThink-MR1's default 0.04) and the baseline that GRPO-D's dynamic weight is
 * compared with. A plugin bundle: one DS component, nothing exported.
 */
package io.mr1.klschedule.constant;
