/**
 * The linear KL schedule: beta moves in a straight line from {@code start} at the first
 * step to {@code end} at the last, a simple annealing baseline to compare GRPO-D with. A
 * plugin bundle: one DS component, nothing exported.
 */
package io.mr1.klschedule.linear;
