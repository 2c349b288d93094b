/**
 * Supervised fine-tuning as a {@link io.mr1.trainer.loop.StepAlgorithm}: cross-entropy on
 * each item's target text (the run's template with the answer and reference reasoning filled
 * in), the warm start the paper's recipe begins with. Not exported.
 */
package io.mr1.trainer.sft;
