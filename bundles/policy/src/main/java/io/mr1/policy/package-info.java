/**
 * The engine-neutral policy: everything a backend used to write on its own that only needs
 * the tensor layer, written once. {@link io.mr1.policy.EnginePolicy} implements the API's
 * {@code Policy} — prompt encoding and batching, the image cache, log-probs with a GRPO
 * group's shared prompt run once, decoding with a KV cache and a seeded sampler, GRPO-D and
 * SFT steps in micro-batches with accumulated gradients, AdamW with global-norm clipping,
 * checkpoint load and save — over a {@link io.mr1.policy.TensorEngine}, which is all a
 * backend supplies: its tensors, autograd, memory scopes, device placement and variable
 * storage (plus a {@link io.mr1.policy.TextTokenizer}). Backends export nothing of their
 * own to the trainer; the conformance kit checks each engine against the references.
 */
@Version("1.2.0")
@Export
package io.mr1.policy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
