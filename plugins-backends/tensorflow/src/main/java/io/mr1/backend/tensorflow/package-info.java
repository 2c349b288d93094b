/**
 * The TensorFlow policy backend on TensorFlow Java: {@link io.mr1.backend.tensorflow.TfTensor}
 * implements mr1's tensor layer over TF operations (eager for sampling and the optimiser; traced
 * and compiled once per shape bucket into cached graphs for scoring and for training with
 * symbolic gradients), so the one model definition, the one
 * GRPO-D loss and the shared policy run here unchanged. Not exported: the backend is reached
 * as an OSGi service.
 */
package io.mr1.backend.tensorflow;
