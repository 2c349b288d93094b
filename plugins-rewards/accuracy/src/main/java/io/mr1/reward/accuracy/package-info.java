/**
 * The accuracy reward R_acc of OThink-MR1 (paper Eq. 1): 1 when the content of a
 * completion's last {@code <answer>...</answer>} block equals the sample's ground truth,
 * else 0. Equality is by value where both sides read as numbers or simple symbolic
 * expressions (counts, angles and lengths with units ignored, counting words, fractions,
 * square roots and pi as written by geometry datasets), by letter for multiple-choice
 * truths, and by normalised text otherwise. A plugin bundle: one DS component, nothing
 * exported.
 */
package io.mr1.reward.accuracy;
