/**
 * GRPO-D's mathematics, exact to OThink-MR1 and R1-V: group-normalised advantages
 * (paper Eq. 2), the clipped-surrogate objective with a scheduled KL penalty (Eq. 4) and
 * the k1/k2/k3 KL estimators (Eq. 5). {@link io.mr1.trainer.objective.GrpoLoss} is the
 * loss written once on the engine-neutral tensor layer, which every backend runs;
 * {@link io.mr1.trainer.objective.GrpoReferenceObjective} is an independent
 * double-precision implementation of its value and gradient that backend conformance
 * tests compare against. Exported for backends and their tests.
 */
@Version("1.0.0")
@Export
package io.mr1.trainer.objective;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
