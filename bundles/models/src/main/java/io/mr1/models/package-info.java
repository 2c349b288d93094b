/**
 * Qwen2-VL written once on the engine-neutral tensor layer, so every backend runs the same
 * architecture: {@link io.mr1.models.Qwen2VlModel} computes what Hugging Face transformers'
 * Qwen2-VL computes (vision tower with the Conv3d patch embedding, 2-D vision rotary and the
 * 2x2 merger; Qwen2 decoder with M-RoPE, see {@link io.mr1.models.MropePositions}); its sizes
 * come from a Hugging Face {@code config.json} ({@link io.mr1.models.ModelConfig}), its images
 * from {@link io.mr1.models.ImageProcessor} (smart resize, Pillow-exact bicubic, merge-block
 * patch order), its weights from safetensors with Hugging Face's tensor names.
 */
@Version("2.2.0")
@Export
package io.mr1.models;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
