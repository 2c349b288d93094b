/**
 * The engine-neutral tensor layer: the operations that the GRPO-D loss (and, as the
 * layer grows, the model architectures) are written against once, so every backend
 * computes the same thing. Backends implement {@link io.mr1.tensor.Tensor} over their
 * engine (DJL NDArray eagerly; TensorFlow Java as graph nodes built once per padded
 * shape bucket); {@link io.mr1.tensor.DoubleTensor} is the pure-Java double-precision
 * implementation used as the reference engine in tests. The layer ops (linear, RMSNorm,
 * LayerNorm, SwiGLU gating, attention) are default methods composed by
 * {@link io.mr1.tensor.ComposedOps}; an engine overrides one where it has a fused kernel.
 */
@Version("2.3.0")
@Export
package io.mr1.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
