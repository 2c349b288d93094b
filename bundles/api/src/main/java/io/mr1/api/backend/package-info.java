/**
 * The policy-backend service: loads a policy checkpoint onto a device, samples G completions per prompt, computes per-token log-probs under the policy and the frozen reference, takes one optimisation step of a given loss, and saves. Backend plugins (PyTorch through DJL, TensorFlow through TF Java) implement it; no engine type appears here.
 */
@Version("2.2.0")
@Export
package io.mr1.api.backend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
