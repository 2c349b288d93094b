/**
 * The exponential KL schedule: beta changes by the same factor every step, from {@code start}
 * at the first step to {@code end} at the last, so a decay of several orders of magnitude
 * spends equal time in each. A plugin bundle: one DS component, nothing exported.
 */
package io.mr1.klschedule.exponential;
