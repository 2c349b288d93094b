/**
 * One training run from its configuration to its report: the run configuration (JSON or
 * YAML, parsed and validated once, TRL's GRPOConfig names accepted), preparation of the
 * plugins, data and initial model before anything is written, the run folder's layout and
 * file formats ({@link io.mr1.trainer.run.RunFolder}), evaluation, and the private Guice
 * injector that wires the loop's algorithm and listeners for each run. Not exported.
 */
package io.mr1.trainer.run;
