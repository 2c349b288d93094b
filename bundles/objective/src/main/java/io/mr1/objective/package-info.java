/**
 * GRPO-D's mathematics, exact to OThink-MR1 and R1-V, in a bundle of its own so that the
 * trainer and every backend use it side by side (no backend imports the trainer):
 * group-normalised advantages (paper Eq. 2), the clipped-surrogate objective with a scheduled
 * KL penalty (Eq. 4), the k1/k2/k3 KL estimators (Eq. 5) and the SFT cross-entropy.
 * {@link io.mr1.objective.GrpoLoss} and {@link io.mr1.objective.SftLoss} are written once on
 * the engine-neutral tensor layer, with the weights that make a micro-batched step equal one
 * pass over the whole batch; {@link io.mr1.objective.GrpoReferenceObjective} is an
 * independent double-precision implementation of the loss's value, gradient and statistics
 * that backend conformance tests compare against.
 */
@Version("1.0.0")
@Export
package io.mr1.objective;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
