/**
 * The cosine KL schedule: beta follows half a cosine wave from {@code start} at the first
 * step to {@code end} at the last, changing slowly near both ends and fastest midway, as
 * cosine learning-rate annealing does. A plugin bundle: one DS component, nothing exported.
 */
package io.mr1.klschedule.cosine;
