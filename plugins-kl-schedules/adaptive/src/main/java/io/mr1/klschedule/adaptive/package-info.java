/**
 * The adaptive KL schedule: the target-KL controller of Ziegler et al. (2019), as in
 * OpenRLHF and verl, which after each step raises beta when the measured KL is above a
 * target and lowers it when below. Its current beta is run state, checkpointed and
 * restored on resume. A plugin bundle: one DS component, nothing exported.
 */
package io.mr1.klschedule.adaptive;
