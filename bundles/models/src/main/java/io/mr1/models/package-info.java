/**
 * Model families written once on the engine-neutral tensor layer, so every backend runs
 * the same architecture: {@link io.mr1.models.Qwen2VlModel} has the structure of Qwen2-VL
 * (a vision encoder over image patches merged 2x2 into the language sequence, then a
 * decoder-only transformer with RMSNorm, rotary position embeddings, grouped-query causal
 * attention and a SwiGLU MLP); its sizes come from a JSON {@link io.mr1.models.ModelConfig}.
 * Parameter names follow Hugging Face's Qwen2-VL checkpoints.
 */
@Version("1.0.0")
@Export
package io.mr1.models;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
