package io.mr1.models;

/**
 * What one device holds during a GRPO-D run of a Qwen2-VL, in bytes: the persistent part (the
 * trained weights, their gradients, AdamW's two moments and the frozen reference) plus the
 * largest of three transient phases, each counted from the tensors mr1's passes allocate:
 *
 * <ul>
 *   <li><b>sampling</b>: the KV cache of all B x G rows at the full length (preallocated), the
 *       prefill of the B prompts (one decoder layer's intermediates at a time: each layer runs in
 *       a block scope that frees them once its output exists; the head on the last position
 *       only) and a decoding step's [B x G, V] logits; before that, encoding the B prompts'
 *       images holds one vision block's intermediates and the residual stream at a time.</li>
 *   <li><b>scoring</b> (pi_old and the reference over the B x G completions, no gradient): the
 *       prompt's cache repeated per row, the completion pass's full-length keys and values of
 *       every layer, one layer's intermediates, and the logits of a chunk of completions twice (the
 *       head's output with the banned tokens as its bias, and its log-softmax; the head runs on
 *       as many completions at a time as {@link Qwen2VlModel#LOGITS_CHUNK_VALUES} allows).</li>
 *   <li><b>training</b> pass of one micro-batch: the activations eager autograd keeps for
 *       backward in float32 (per decoder layer and token the norms, projections, rotary copies,
 *       attention scores and probabilities, SwiGLU intermediates; the completion positions'
 *       logits, log-softmax and its gradient; the vision tower's activations for the
 *       micro-batch's images). Block scopes free only what backward does not save (measured
 *       0.80 of this count on a 47.6 M config: it errs on the safe side).</li>
 * </ul>
 *
 * <p>The per-token and per-patch counts are calibrated on the PyTorch engine against the peak
 * RSS of each pass ({@code RealSizeBenchmark}, {@code RealSizeCalibrationTest}); the vision
 * block's (26 x E values plus 4 x heads x patches per patch) against Qwen2-VL-2B's vision width
 * at 1564 patches (0.81 GB measured per block, 0.83 GB estimated).
 *
 * <p>Dtypes: passes without gradient (image encoding, sampling, scoring) are counted in the
 * weights' dtype ({@code weightBytes}), because mr1 computes in it: in bfloat16 an activation
 * takes 2 B, except at the precision points, which run in float32 as transformers does. Of those
 * only the softmax is score-sized: the attention scores and probabilities are counted at 4 B in
 * both dtypes (a bfloat16 softmax widens the scores, takes the softmax in float32 and rounds it
 * back, and closes each copy once the next exists, so it holds two float32 copies at its peak,
 * 8 B a score, as a float32 softmax holds scores and probabilities), and the head's logits at
 * 10 B in bfloat16 (the logits, the float32 copy log-softmax widens and its float32 result)
 * against 8 B in float32. The RMSNorm/LayerNorm statistics and the rotary run in float32 on
 * row-sized tensors, within the count's slack. Measured on the 2B vision width at 1564 patches:
 * 0.414 GiB in bfloat16 against 0.581 GiB in float32 (estimates 0.447 and 0.604 GiB). Training
 * activations stay counted in float32 (not measured in bfloat16; they bound it from above).
 * These are estimates from the shapes: they ignore allocator slack and the engine's workspace,
 * so keep a margin.
 *
 * @param weights the trained weights
 * @param gradients their gradients as held: in the weights' dtype, plus float32 sums of bfloat16
 *     gradients when a step has several micro-batches
 * @param adamMoments AdamW's state: the first and second moments (float32), plus float32 master
 *     copies of weights held in bfloat16
 * @param reference the frozen reference weights
 * @param kvCache the KV cache while sampling (all rows at the full length, and the prompts' shared cache)
 * @param promptLogits the prefill's and a decoding step's transient tensors while sampling (one
 *     layer's intermediates for the B prompts, the last position's and a step's logits)
 * @param activations the decoder's and head's activations of one micro-batch
 * @param visionActivations the vision tower's activations of one micro-batch's images
 * @param promptVision the peak while the B prompts' images are encoded (one block at a time)
 * @param scoring the peak of a scoring pass over the B x G completions, beyond the weights
 */
public record MemoryEstimate(long weights, long gradients, long adamMoments, long reference, long kvCache,
                             long promptLogits, long activations, long visionActivations, long promptVision,
                             long scoring) {

    private static final long FLOAT = 4;
    /** Text tokens assumed beside the image tokens when only the total length is given. */
    static final int PROMPT_TEXT_TOKENS = 64;

    /**
     * Estimates a run whose rows have at most {@code maxLength} tokens, assuming prompts of the
     * image's tokens plus {@value #PROMPT_TEXT_TOKENS} text tokens (the rest of the length is
     * the completion).
     *
     * @param c the model
     * @param parameters the exact parameter count
     * @param weightBytes bytes per weight as the engine holds them and computes in (4 for float32,
     *     2 for bfloat16): the activations of passes without gradient are counted in it
     * @param prompts B, prompts per step
     * @param generations G, completions per prompt
     * @param microBatch completions per training pass (B x G for one pass)
     * @param maxLength prompt plus completion tokens per row
     * @param imagePatches patches of each prompt's image (0 for text-only)
     * @return the estimate
     */
    public static MemoryEstimate of(ModelConfig c, long parameters, int weightBytes, int prompts, int generations,
                                    int microBatch, int maxLength, int imagePatches) {
        int promptTokens = Math.max(1, Math.min(maxLength - 1, imageTokens(c, imagePatches) + PROMPT_TEXT_TOKENS));
        return of(c, parameters, weightBytes, prompts, generations, microBatch, promptTokens,
                Math.max(1, maxLength - promptTokens), imagePatches);
    }

    /**
     * Estimates a run with a known split of each row into prompt and completion.
     *
     * @param c the model
     * @param parameters the exact parameter count
     * @param weightBytes bytes per weight as the engine holds them and computes in (4 for float32,
     *     2 for bfloat16): the activations of passes without gradient are counted in it
     * @param prompts B, prompts per step
     * @param generations G, completions per prompt
     * @param microBatch completions per training pass (B x G for one pass)
     * @param promptTokens tokens of a prompt (image tokens included)
     * @param completionTokens tokens of a completion (the padded width)
     * @param imagePatches patches of each prompt's image (0 for text-only)
     * @return the estimate
     */
    public static MemoryEstimate of(ModelConfig c, long parameters, int weightBytes, int prompts, int generations,
                                    int microBatch, int promptTokens, int completionTokens, int imagePatches) {
        long rows = (long) prompts * generations;
        long length = (long) promptTokens + completionTokens;
        // A pass without gradient computes in the weights' dtype: its activations take 2 B in bfloat16,
        // except at the precision points, which run in float32 (see the class javadoc).
        long act = Math.min(FLOAT, weightBytes);
        long kvPerToken = 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * act;
        long kv = rows * length * kvPerToken + (generations > 1 ? prompts * promptTokens * kvPerToken : 0);
        long stepLogits = rows * c.vocabSize() * FLOAT;
        long prefill = decoderPass(c, prompts, promptTokens, promptTokens, act) + prompts * c.vocabSize() * FLOAT;
        long step = decoderPass(c, rows, 1, length, act);
        long decoding = Math.max(prefill, step) + stepLogits;

        long perImage = 0;
        long perImageEncoding = 0;
        ModelConfig.VisionConfig v = c.visionConfig();
        if (v != null && imagePatches > 0) {
            long e = v.embedDim();
            long perPatchBlock = 10L * e + 4L * v.mlpRatio() * e + 4L * v.numHeads() * imagePatches;
            long merger = 4L * e * 3 + c.hiddenSize();
            // Training keeps every block's activations; encoding without gradient one block's, the
            // block's input and output, the patch embedding and the merger.
            perImage = imagePatches * (v.depth() * perPatchBlock + merger) * FLOAT;
            // Without gradient, one block's tensors at a time (its scores and probabilities, 2 x heads x
            // patches, and about 22 x E plus 4 x the MLP width, as libtorch runs it), the block's input
            // and output, the patch embedding and the patch rows; the merger runs after the blocks.
            // Each block releases its input when it returns (keepOnlyReleasing), so this holds whatever
            // the depth. The scores and probabilities are counted at 4 B in both dtypes: a bfloat16
            // softmax runs in float32 and holds two float32 copies at its peak.
            long scores = 2L * v.numHeads() * imagePatches * FLOAT;
            long encodingBlock = scores + (22L * e + 4L * v.mlpRatio() * e) * act;
            perImageEncoding = imagePatches * (Math.max(encodingBlock, merger * act)
                    + (3L * e + v.patchValues()) * act);
        }
        long promptVision = prompts * perImageEncoding;

        // Scoring: the prefix pass over the prompts, then the completions' pass against the repeated cache.
        long scoringPrefix = decoderPass(c, prompts, promptTokens, promptTokens, act)
                + prompts * promptTokens * kvPerToken;
        long chunkRows = Math.max(1, Math.min(rows,
                Qwen2VlModel.LOGITS_CHUNK_VALUES / ((long) completionTokens * c.vocabSize())));
        // The layers' intermediates are gone when the head runs: the larger of the two counts. The
        // head's output and its float32 log-softmax (in bfloat16 also the float32 copy the
        // log-softmax widens from the bfloat16 logits).
        long perLogit = 2 * FLOAT + (act < FLOAT ? act : 0);
        long head = chunkRows * completionTokens * c.vocabSize() * perLogit
                + rows * completionTokens * c.hiddenSize() * act;
        long scoringCompletions = rows * promptTokens * kvPerToken + rows * (length + 1) * kvPerToken
                + Math.max(decoderPass(c, rows, completionTokens + 1, length + 1, act), head);
        long scoring = Math.max(promptVision, Math.max(scoringPrefix, scoringCompletions));

        long tokens = (long) microBatch * length;
        long perTokenLayer = 10L * c.hiddenSize() + 4L * c.numKeyValueHeads() * c.headDim()
                + 4L * c.intermediateSize() + 2L * c.numAttentionHeads() * length;
        long activations = tokens * c.numHiddenLayers() * perTokenLayer * FLOAT
                + 3L * microBatch * completionTokens * c.vocabSize() * FLOAT;
        long vision = Math.min(microBatch, prompts) * perImage;
        long w = parameters * weightBytes;
        return new MemoryEstimate(w, parameters * FLOAT, 2 * parameters * FLOAT, w, kv, decoding, activations,
                vision, promptVision, scoring);
    }

    /** Merged image tokens of an image of so many patches. */
    private static int imageTokens(ModelConfig c, int imagePatches) {
        return c.visionConfig() == null ? 0 : imagePatches / c.visionConfig().mergeWindow();
    }

    /**
     * The peak of a decoder pass without gradient over {@code newTokens} new tokens of each of
     * {@code rows} rows attending to {@code keys} positions: one layer's intermediates (its block
     * scope; per token about 14 x H, 7 x the key/value width, 3 x the MLP width, the attention's
     * scores and probabilities and its bias), the keys and values broadcast over the query heads
     * of a group (grouped-query attention), and three residual streams: the embeddings, the
     * layer's input and its output (each layer releases its input when it returns,
     * {@code keepOnlyReleasing}; before that every layer's output stayed until the pass ended).
     * Activations take {@code act} bytes; the scores, probabilities and bias 4 B (float32 softmax).
     */
    private static long decoderPass(ModelConfig c, long rows, long newTokens, long keys, long act) {
        long h = c.hiddenSize();
        long kvd = (long) c.numKeyValueHeads() * c.headDim();
        long positions = rows * newTokens;
        long perToken = (14L * h + 7L * kvd + 3L * c.intermediateSize() + 3L * h) * act
                + (2L * c.numAttentionHeads() * keys + keys) * FLOAT;
        long grouped = c.numAttentionHeads() > c.numKeyValueHeads() ? 2L * rows * h * keys * act : 0;
        return positions * perToken + grouped;
    }

    /**
     * Estimates a run on the PyTorch engine with its weights held in {@code dtype} and the frozen
     * reference in {@code referenceDtype}: per parameter, weights 4 B (float32) or 2 B (bfloat16);
     * gradients as held (4 B, or 2 B plus 4 B of float32 sums when the step has several
     * micro-batches); AdamW's two float32 moments 8 B plus, for bfloat16 weights, the float32
     * master copy 4 B; the reference 4 B or 2 B. The sampling, scoring and training terms are
     * those of {@link #of(ModelConfig, long, int, int, int, int, int, int)} for the policy's
     * dtype: passes without gradient counted dtype by dtype (see the class javadoc), training
     * activations in float32.
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
        MemoryEstimate f = of(c, parameters, bytesPerWeight(dtype), prompts, generations, microBatch, maxLength,
                imagePatches);
        boolean narrow = bytesPerWeight(dtype) < FLOAT;
        boolean micro = microBatch < (long) prompts * generations;
        long gradients = parameters * bytesPerWeight(dtype) + (narrow && micro ? parameters * FLOAT : 0);
        long optimizer = 2 * parameters * FLOAT + (narrow ? parameters * FLOAT : 0);
        return new MemoryEstimate(parameters * bytesPerWeight(dtype), gradients, optimizer,
                parameters * bytesPerWeight(referenceDtype), f.kvCache(), f.promptLogits(), f.activations(),
                f.visionActivations(), f.promptVision(), f.scoring());
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

    /** @return what sampling adds: the larger of encoding the images and the cache with decoding */
    public long sampling() {
        return Math.max(promptVision, kvCache + promptLogits);
    }

    /** @return what one training pass adds */
    public long training() {
        return activations + visionActivations;
    }

    /** @return the peak: persistent plus the largest phase */
    public long peak() {
        return persistent() + Math.max(Math.max(sampling(), scoring), training());
    }
}
