/**
 * The PyTorch policy backend on DJL: {@link io.mr1.backend.pytorch.DjlTensor} implements
 * mr1's tensor layer over NDArray (autograd through DJL's GradientCollector), so the one
 * model definition and the one GRPO-D loss run here unchanged; the policy samples with a
 * KV cache, computes log-probs, trains with AdamW and writes safetensors checkpoints.
 * Not exported: the backend is reached as an OSGi service.
 */
package io.mr1.backend.pytorch;
