/**
 * The training loop, independent of the algorithm: {@link io.mr1.trainer.loop.TrainingLoop}
 * steps a {@link io.mr1.trainer.loop.StepAlgorithm} (GRPO-D, SFT) over the data in seeded
 * order, tells every {@link io.mr1.trainer.loop.TrainingListener} (metrics, progress, samples,
 * evaluation, the stop signal) what happened, writes checkpoints and resumes from them so a
 * resumed run continues exactly as an uninterrupted one. Not exported.
 */
package io.mr1.trainer.loop;
