/**
 * What {@code mr1 train}, {@code mr1 eval} and {@code mr1 demo} run: the run configuration
 * (JSON or YAML, every key validated with its path named in errors), preparation of the
 * plugins, data and initial model before anything is written, the SFT and GRPO-D loops
 * with checkpoints and resume, evaluation, samples and the HTML report. Not exported.
 */
package io.mr1.trainer.run;
