/**
 * GRPO-D's dynamic KL weight (OThink-MR1, Eq. 3): beta falls linearly from the midpoint
 * of [beta_min, beta_max] to beta_min over the first w exploration steps, letting the
 * policy move away from the reference model, then rises linearly to beta_max at the last
 * step to keep it close while it exploits. A plugin bundle: one DS component with the
 * paper's counting and geometry settings as presets, nothing exported.
 */
package io.mr1.klschedule.grpod;
