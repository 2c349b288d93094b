/**
 * The format reward R_format of OThink-MR1 (paper Eq. 1): 1 when a completion is
 * exactly a think block followed by an answer block, as R1-V checks it, else 0. A
 * plugin bundle: one DS component, nothing exported.
 */
package io.mr1.reward.format;
