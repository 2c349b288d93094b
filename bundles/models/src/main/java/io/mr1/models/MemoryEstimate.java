package io.mr1.models;

/**
 * What one device holds during a GRPO-D run of a Qwen2-VL, in bytes: the persistent part (the
 * trained weights, their gradients, AdamW's two moments and the frozen reference) plus the
 * larger of the two transient phases: sampling (the KV cache of all B x G rows at the full
 * length, the prompts' prefill logits) and the training pass of one micro-batch (activations
 * kept for backward by eager autograd in float32: per decoder layer and token the norms,
 * projections, rotary copies, attention scores and probabilities, SwiGLU intermediates; the
 * logits with their log-softmax; the vision tower's activations for the micro-batch's images).
 * The vision tower's intermediates are also held while the prompts' images are encoded for
 * sampling and scoring (an engine scope frees a pass's tensors when the pass ends, not layer by
 * layer), so sampling counts them for its B images. Per vision block and patch: about 26 x E
 * values plus 4 x heads x patches for the attention scores and probabilities, calibrated on the
 * PyTorch engine with {@code RealSizeBenchmark} (Qwen2-VL-2B's vision width, 1564 patches: 0.81
 * GB measured per block, 0.83 GB estimated). These are estimates from the shapes: they ignore
 * allocator slack and the engine's workspace, so keep a margin.
 *
 * @param weights the trained weights
 * @param gradients their gradients as held: in the weights' dtype, plus float32 sums of bfloat16
 *     gradients when a step has several micro-batches
 * @param adamMoments AdamW's state: the first and second moments (float32), plus float32 master
 *     copies of weights held in bfloat16
 * @param reference the frozen reference weights
 * @param kvCache the KV cache while sampling
 * @param promptLogits the prefill's logits while sampling
 * @param activations the decoder's and head's activations of one micro-batch
 * @param visionActivations the vision tower's activations of one micro-batch's images
 * @param promptVision the vision tower's activations while the B prompts' images are encoded for sampling
 */
public record MemoryEstimate(long weights, long gradients, long adamMoments, long reference, long kvCache,
                             long promptLogits, long activations, long visionActivations, long promptVision) {

    private static final long FLOAT = 4;

    /**
     * Estimates a run.
     *
     * @param c the model
     * @param parameters the exact parameter count
     * @param weightBytes bytes per weight as the engine holds them (4 for float32, 2 for bfloat16)
     * @param prompts B, prompts per step
     * @param generations G, completions per prompt
     * @param microBatch completions per training pass (B x G for one pass)
     * @param maxLength prompt plus completion tokens per row
     * @param imagePatches patches of each prompt's image (0 for text-only)
     * @return the estimate
     */
    public static MemoryEstimate of(ModelConfig c, long parameters, int weightBytes, int prompts, int generations,
                                    int microBatch, int maxLength, int imagePatches) {
        long rows = (long) prompts * generations;
        long headDim = c.hiddenSize() / c.numAttentionHeads();
        long kv = 2L * c.numHiddenLayers() * rows * maxLength * c.numKeyValueHeads() * headDim * FLOAT;
        long promptLogits = (long) prompts * maxLength * c.vocabSize() * FLOAT;
        long tokens = (long) microBatch * maxLength;
        long perTokenLayer = 10L * c.hiddenSize() + 4L * c.numKeyValueHeads() * headDim + 4L * c.intermediateSize()
                + 2L * c.numAttentionHeads() * maxLength;
        long activations = tokens * (c.numHiddenLayers() * perTokenLayer + 3L * c.vocabSize()) * FLOAT;
        long perImage = 0;
        ModelConfig.VisionConfig v = c.visionConfig();
        if (v != null && imagePatches > 0) {
            long e = v.embedDim();
            long perPatchBlock = 10L * e + 4L * v.mlpRatio() * e + 4L * v.numHeads() * imagePatches;
            long merger = 4L * e * 3 + c.hiddenSize();
            perImage = imagePatches * (v.depth() * perPatchBlock + merger) * FLOAT;
        }
        long vision = Math.min(microBatch, prompts) * perImage;
        long w = parameters * weightBytes;
        return new MemoryEstimate(w, parameters * FLOAT, 2 * parameters * FLOAT, w, kv, promptLogits, activations,
                vision, prompts * perImage);
    }

    /**
     * Estimates a run on the PyTorch engine with its weights held in {@code dtype} and the frozen
     * reference in {@code referenceDtype}: per parameter, weights 4 B (float32) or 2 B (bfloat16);
     * gradients as held (4 B, or 2 B plus 4 B of float32 sums when the step has several
     * micro-batches); AdamW's two float32 moments 8 B plus, for bfloat16 weights, the float32
     * master copy 4 B; the reference 4 B or 2 B. The sampling and training terms are those of
     * {@link #of(ModelConfig, long, int, int, int, int, int, int)}, counted in float32: they bound
     * a bfloat16 run's (its activations are half, except the attention softmax, whose float32
     * probabilities and their bfloat16 copy are as large as the float32 terms' scores and
     * probabilities).
     *
     * @param c the model
     * @param parameters the exact parameter count
     * @param dtype float32 or bfloat16 ({@code model.dtype})
     * @param referenceDtype float32 or bfloat16 ({@code model.reference_dtype})
     * @param prompts B, prompts per step
     * @param generations G, completions per prompt
     * @param microBatch completions per training pass (B x G for one pass)
     * @param maxLength prompt plus completion tokens per row
     * @param imagePatches patches of each prompt's image (0 for text-only)
     * @return the estimate
     */
    public static MemoryEstimate of(ModelConfig c, long parameters, String dtype, String referenceDtype, int prompts,
                                    int generations, int microBatch, int maxLength, int imagePatches) {
        MemoryEstimate f = of(c, parameters, 4, prompts, generations, microBatch, maxLength, imagePatches);
        boolean narrow = bytesPerWeight(dtype) < FLOAT;
        boolean micro = microBatch < (long) prompts * generations;
        long gradients = parameters * bytesPerWeight(dtype) + (narrow && micro ? parameters * FLOAT : 0);
        long optimizer = 2 * parameters * FLOAT + (narrow ? parameters * FLOAT : 0);
        return new MemoryEstimate(parameters * bytesPerWeight(dtype), gradients, optimizer,
                parameters * bytesPerWeight(referenceDtype), f.kvCache(), f.promptLogits(), f.activations(),
                f.visionActivations(), f.promptVision());
    }

    /**
     * @param dtype float32 or bfloat16
     * @return bytes per weight held in it
     * @throws IllegalArgumentException for another dtype
     */
    public static int bytesPerWeight(String dtype) {
        return switch (dtype) {
            case "float32" -> 4;
            case "bfloat16" -> 2;
            default -> throw new IllegalArgumentException("dtype '" + dtype + "' is not one of float32, bfloat16");
        };
    }

    /** @return weights, gradients, moments and reference: held for the whole run */
    public long persistent() {
        return weights + gradients + adamMoments + reference;
    }

    /** @return what sampling adds */
    public long sampling() {
        return kvCache + promptLogits + promptVision;
    }

    /** @return what one training pass adds */
    public long training() {
        return activations + visionActivations;
    }

    /** @return the peak: persistent plus the larger phase */
    public long peak() {
        return persistent() + Math.max(sampling(), training());
    }
}
