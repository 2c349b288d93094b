package io.mr1.policy;

import io.mr1.api.types.Prompt;
import io.mr1.models.KvCache;
import io.mr1.models.ModelConfig;
import io.mr1.models.PatchedImage;
import io.mr1.models.Qwen2VlModel;
import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Runs the model over batches of prompts and completions: per-token log-probs of given
 * completions (with a GRPO group's shared prompt run once), and the prefix passes that
 * decoding starts from. Written on the tensor layer, so it is the same on every engine.
 */
final class SequenceScorer {

    private final Qwen2VlModel model;
    private final ModelConfig config;
    private final PromptEncoder encoder;
    private final int padId;
    /** Vision placeholder ids: a completion never contains them, so they are banned in sampling and scoring. */
    private final int[] banned;
    /** Rounds the padded prompt length up to the engine's shape bucket (see TensorEngine#paddedLength). */
    private final IntUnaryOperator padded;
    /** The most logits a pass without gradient materialises at once (see Qwen2VlModel#LOGITS_CHUNK_VALUES). */
    private final long logitsChunkValues;

    SequenceScorer(Qwen2VlModel model, PromptEncoder encoder, int[] banned, IntUnaryOperator padded) {
        this(model, encoder, banned, padded, Qwen2VlModel.LOGITS_CHUNK_VALUES);
    }

    SequenceScorer(Qwen2VlModel model, PromptEncoder encoder, int[] banned, IntUnaryOperator padded,
                   long logitsChunkValues) {
        this.logitsChunkValues = logitsChunkValues;
        this.model = model;
        this.padded = padded;
        this.config = model.config();
        this.encoder = encoder;
        this.padId = config.padTokenId();
        this.banned = banned.clone();
    }

    PromptEncoder encoder() {
        return encoder;
    }

    Qwen2VlModel model() {
        return model;
    }

    int[] banned() {
        return banned.clone();
    }

    /** Image features for rows whose prompts are given in order (null when there are none). */
    Tensor imageFeatures(Parameters p, TensorFactory f, List<PromptEncoder.Encoded> rows) {
        List<PatchedImage> images = new ArrayList<>();
        rows.forEach(r -> images.addAll(r.images()));
        if (images.isEmpty()) {
            return null;
        }
        int width = config.visionConfig().patchValues();
        int total = images.stream().mapToInt(PatchedImage::rows).sum();
        float[] flat = new float[total * width];
        List<int[]> grids = new ArrayList<>();
        int k = 0;
        for (PatchedImage image : images) {
            if (image.values().length != image.rows() * width) {
                throw new IllegalArgumentException("image patch rows of " + image.values().length / image.rows()
                        + " values; the vision tower takes " + width);
            }
            System.arraycopy(image.values(), 0, flat, k, image.values().length);
            k += image.values().length;
            grids.add(image.gridThw());
        }
        return model.encodeImages(p, f, f.constant(flat, total, width), grids);
    }

    /** Sets the three M-RoPE positions of row r, column c to those of real token j of a prompt's row. */
    static void setPosition(long[][][] positions, int r, int c, PromptEncoder.Encoded prompt, int j) {
        for (int axis = 0; axis < 3; axis++) {
            positions[r][axis][c] = prompt.position(axis, j);
        }
    }

    /**
     * Per-token log-probs of completions. Rows whose prompts are equal (a GRPO group: one
     * prompt, G completions) share one forward pass over the prompt: the prompt minus its
     * last token runs once per distinct prompt into a KV cache, the cache is repeated per
     * row, and one pass over [last prompt token, right-padded completion] gives every
     * completion token's logits. With G = 8 this runs the prompt (images included) 8 times
     * less; gradients flow back through the repeated cache. The values equal
     * {@link #unshared} up to float rounding (the conformance kit checks).
     *
     * @param withGradient whether autograd records the pass (training); without it the head runs
     *     on a chunk of rows at a time ({@link Qwen2VlModel#LOGITS_CHUNK_VALUES})
     * @return [N, C] log-probs (with gradient when p requires it); columns past a completion's length are padding
     */
    Tensor completionLogProbs(Parameters p, TensorFactory f, List<Prompt> prompts, List<int[]> completions,
                              int width, boolean withGradient) {
        int[] source = new int[prompts.size()];
        List<PromptEncoder.Encoded> unique = encoder.encodeDistinct(prompts, source);
        if (unique.size() == prompts.size() || unique.stream().anyMatch(e -> e.ids().length < 2)) {
            List<PromptEncoder.Encoded> rows = new ArrayList<>();
            for (int r = 0; r < prompts.size(); r++) {
                rows.add(unique.get(source[r]));
            }
            return unshared(p, f, rows, completions, width, withGradient);
        }
        int n = prompts.size();
        int u = unique.size();
        int prefixLen = padded.applyAsInt(unique.stream().mapToInt(e -> e.ids().length).max().orElse(0) - 1);
        long[][] prefixIds = new long[u][prefixLen];
        long[][][] prefixPos = new long[u][3][prefixLen];
        int[][] prefixMask = new int[u][prefixLen];
        for (int i = 0; i < u; i++) {
            long[] prompt = unique.get(i).ids();
            int offset = prefixLen - (prompt.length - 1);
            Arrays.fill(prefixIds[i], padId);
            for (int j = 0; j < prompt.length - 1; j++) {
                prefixIds[i][offset + j] = prompt[j];
                prefixMask[i][offset + j] = 1;
                setPosition(prefixPos, i, offset + j, unique.get(i), j);
            }
        }
        KvCache shared = new KvCache(config.numHiddenLayers());
        // Only the cache is needed from the prefix: no output head.
        model.hiddenStates(p, f, prefixIds, prefixPos, prefixMask, imageFeatures(p, f, unique), shared);
        KvCache cache = shared.repeatRows(f, source);
        int t = 1 + width;
        long[][] ids = new long[n][t];
        long[][][] positions = new long[n][3][t];
        int[][] mask = new int[n][prefixLen + t];
        long[] targets = new long[n * width];
        for (int r = 0; r < n; r++) {
            long[] prompt = unique.get(source[r]).ids();
            int[] completion = completions.get(r);
            System.arraycopy(prefixMask[source[r]], 0, mask[r], 0, prefixLen);
            Arrays.fill(ids[r], padId);
            ids[r][0] = prompt[prompt.length - 1];
            setPosition(positions, r, 0, unique.get(source[r]), prompt.length - 1);
            mask[r][prefixLen] = 1;
            for (int j = 0; j < completion.length; j++) {
                ids[r][1 + j] = completion[j];
                setPosition(positions, r, 1 + j, unique.get(source[r]), prompt.length + j);
                mask[r][prefixLen + 1 + j] = 1;
                targets[r * width + j] = completion[j];
            }
        }
        Tensor hidden = model.hiddenStates(p, f, ids, positions, mask, null, cache);
        return scoreTokens(p, f, hidden.slice(1, 0, width), targets, n, width, withGradient);
    }

    /** Log-probs with one forward pass per row over [left-padded prompt, right-padded completion]. */
    Tensor unshared(Parameters p, TensorFactory f, List<PromptEncoder.Encoded> prompts, List<int[]> completions,
                    int width, boolean withGradient) {
        int n = prompts.size();
        int promptLen = padded.applyAsInt(prompts.stream().mapToInt(e -> e.ids().length).max().orElse(0));
        int t = promptLen + width;
        long[][] ids = new long[n][t];
        long[][][] positions = new long[n][3][t];
        int[][] mask = new int[n][t];
        long[] targets = new long[n * width];
        for (int r = 0; r < n; r++) {
            long[] prompt = prompts.get(r).ids();
            int[] completion = completions.get(r);
            int offset = promptLen - prompt.length;
            Arrays.fill(ids[r], padId);
            for (int j = 0; j < prompt.length; j++) {
                ids[r][offset + j] = prompt[j];
                mask[r][offset + j] = 1;
                setPosition(positions, r, offset + j, prompts.get(r), j);
            }
            for (int j = 0; j < completion.length; j++) {
                ids[r][promptLen + j] = completion[j];
                mask[r][promptLen + j] = 1;
                setPosition(positions, r, promptLen + j, prompts.get(r), prompt.length + j);
                targets[r * width + j] = completion[j];
            }
        }
        Tensor hidden = model.hiddenStates(p, f, ids, positions, mask, imageFeatures(p, f, prompts), null);
        return scoreTokens(p, f, hidden.slice(1, promptLen - 1, promptLen - 1 + width), targets, n, width,
                withGradient);
    }

    /**
     * Log-probs of the target ids under the logits of [N, C, H] hidden states, with the vision
     * placeholders banned. The head runs on the completion positions only, with the ban as the
     * bias of its matmul-add, so the logits exist twice (the head's output and its log-softmax,
     * which gatherLast reads), never for the prompt. Without gradient it runs on as many rows at
     * a time as {@link Qwen2VlModel#LOGITS_CHUNK_VALUES} allows, each chunk in a block scope, so
     * a scoring pass holds two chunks' logits, not the whole batch's; under autograd the
     * log-softmax is saved for backward anyway, so the batch runs at once.
     */
    private Tensor scoreTokens(Parameters p, TensorFactory f, Tensor hidden, long[] targets, int n, int width,
                               boolean withGradient) {
        // The policy puts no mass on vision placeholders (sampling bans them), so scoring
        // renormalises over the same tokens and pi_old and pi_theta agree.
        int vocab = config.vocabSize();
        float[] ban = new float[vocab];
        for (int id : banned) {
            ban[id] = -1e9f;
        }
        Tensor bias = f.constant(ban, vocab);
        Tensor ids = f.indices(targets, n, width);
        int rows = withGradient ? n : (int) Math.max(1, Math.min(n, logitsChunkValues / ((long) width * vocab)));
        if (rows >= n) {
            return model.logits(p, hidden, bias).logSoftmax(-1).gatherLast(ids);
        }
        List<Tensor> parts = new ArrayList<>();
        for (int from = 0; from < n; from += rows) {
            int start = from;
            int end = Math.min(n, from + rows);
            parts.add(f.keepOnly(() -> new Tensor[] {model.logits(p, hidden.slice(0, start, end), bias)
                    .logSoftmax(-1).gatherLast(ids.slice(0, start, end))})[0]);
        }
        return f.concat(parts, 0);
    }

    /**
     * Hidden states [B, length, H] of the first {@code length} columns (left-padded prompt plus
     * tokens so far); row r's real tokens are {@code rows.get(r)}'s prompt followed by generated
     * tokens.
     */
    Tensor runPrefix(Parameters p, TensorFactory f, long[][] ids, int[][] mask, int length, Tensor features,
                     KvCache cache, List<PromptEncoder.Encoded> rows) {
        int n = ids.length;
        long[][] prefix = new long[n][length];
        long[][][] positions = new long[n][3][length];
        int[][] keyMask = new int[n][length];
        for (int r = 0; r < n; r++) {
            int real = 0;
            for (int j = 0; j < length; j++) {
                prefix[r][j] = ids[r][j];
                keyMask[r][j] = mask[r][j];
                if (mask[r][j] == 1) {
                    setPosition(positions, r, j, rows.get(r), real++);
                }
            }
        }
        return model.hiddenStates(p, f, prefix, positions, keyMask, features, cache);
    }
}
