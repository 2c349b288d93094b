package io.mr1.models;

import io.mr1.tensor.Parameters;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Qwen2-VL architecture on the tensor layer, one definition for every engine and size;
 * it computes what Hugging Face transformers' {@code Qwen2VLForConditionalGeneration}
 * computes (checked against its outputs in the tests).
 *
 * <p>Vision: patch rows (channels x 2 frames x 14 x 14, an image's rows in 2x2 merge-block
 * order) -> the Conv3d patch embedding as one matmul with the kernel flattened -> blocks of
 * LayerNorm, fused-qkv attention within each image (bidirectional; images never see each
 * other) with 2-D rotary embeddings over patch rows and columns, and a QuickGELU MLP -> the
 * merger (LayerNorm per patch, the 4 patches of each merge block concatenated, MLP with exact
 * GELU) into the decoder width. The merged features replace the image placeholder tokens in
 * order.
 *
 * <p>Decoder (Qwen2): embeddings -> layers of RMSNorm, grouped-query causal attention with
 * q/k/v biases and M-RoPE (each head's rotary frequencies split by {@code mrope_section}
 * between temporal, height and width positions, see {@link MropePositions}), RMSNorm, SwiGLU
 * MLP -> RMSNorm -> logits (tied or untied head), the head applied only where a caller needs
 * logits ({@link #hiddenStates}, then {@link #logits} on a slice).
 *
 * <p>Memory: each vision block and decoder layer runs in a {@link TensorFactory#keepOnly} block
 * scope that also releases its input ({@link TensorFactory#keepOnlyReleasing}), so a pass without
 * gradient holds one block's intermediates, input and output at a time, whatever the depth. Under autograd
 * the engine keeps every activation backward needs anyway; gradient checkpointing (not
 * implemented) would drop those too and recompute each block's forward during backward: about
 * one more forward pass of compute for holding only the blocks' inputs.
 *
 * <p>Nothing here branches on tensor values, only on shapes and on ids known in Java, so
 * a graph engine can build each shape bucket once.
 */
public final class Qwen2VlModel {

    /**
     * The most logits a pass without gradient materialises at once (32 Mi values, 128 MiB in
     * float32): scoring applies the head to as many completions at a time as fit (at least one).
     */
    public static final long LOGITS_CHUNK_VALUES = 1L << 25;

    private static final double VISION_LN_EPS = 1e-6;
    private static final double NEG_INF = -1e9;

    private final ModelConfig config;

    /**
     * Creates the model for a config.
     *
     * @param config sizes
     */
    public Qwen2VlModel(ModelConfig config) {
        this.config = config;
    }

    /** @return the config */
    public ModelConfig config() {
        return config;
    }

    /** @return every parameter with its shape and initialisation, in a stable order */
    public Map<String, ParamSpec> parameters() {
        Map<String, ParamSpec> p = new LinkedHashMap<>();
        int h = config.hiddenSize();
        int kv = config.numKeyValueHeads() * config.headDim();
        p.put("model.embed_tokens.weight", normal(config.vocabSize(), h));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String l = "model.layers." + i + ".";
            p.put(l + "input_layernorm.weight", ones(h));
            p.put(l + "self_attn.q_proj.weight", normal(h, h));
            p.put(l + "self_attn.q_proj.bias", zeros(h));
            p.put(l + "self_attn.k_proj.weight", normal(kv, h));
            p.put(l + "self_attn.k_proj.bias", zeros(kv));
            p.put(l + "self_attn.v_proj.weight", normal(kv, h));
            p.put(l + "self_attn.v_proj.bias", zeros(kv));
            p.put(l + "self_attn.o_proj.weight", normal(h, h));
            p.put(l + "post_attention_layernorm.weight", ones(h));
            p.put(l + "mlp.gate_proj.weight", normal(config.intermediateSize(), h));
            p.put(l + "mlp.up_proj.weight", normal(config.intermediateSize(), h));
            p.put(l + "mlp.down_proj.weight", normal(h, config.intermediateSize()));
        }
        p.put("model.norm.weight", ones(h));
        if (!config.tieWordEmbeddings()) {
            p.put("lm_head.weight", normal(config.vocabSize(), h));
        }
        ModelConfig.VisionConfig v = config.visionConfig();
        if (v != null) {
            int e = v.embedDim();
            int merged = e * v.mergeWindow();
            p.put("visual.patch_embed.proj.weight", normal(e, v.inChannels(), v.temporalPatchSize(), v.patchSize(),
                    v.patchSize()));
            for (int i = 0; i < v.depth(); i++) {
                String b = "visual.blocks." + i + ".";
                p.put(b + "norm1.weight", ones(e));
                p.put(b + "norm1.bias", zeros(e));
                p.put(b + "attn.qkv.weight", normal(3L * e, e));
                p.put(b + "attn.qkv.bias", zeros(3L * e));
                p.put(b + "attn.proj.weight", normal(e, e));
                p.put(b + "attn.proj.bias", zeros(e));
                p.put(b + "norm2.weight", ones(e));
                p.put(b + "norm2.bias", zeros(e));
                p.put(b + "mlp.fc1.weight", normal((long) e * v.mlpRatio(), e));
                p.put(b + "mlp.fc1.bias", zeros((long) e * v.mlpRatio()));
                p.put(b + "mlp.fc2.weight", normal(e, (long) e * v.mlpRatio()));
                p.put(b + "mlp.fc2.bias", zeros(e));
            }
            p.put("visual.merger.ln_q.weight", ones(e));
            p.put("visual.merger.ln_q.bias", zeros(e));
            p.put("visual.merger.mlp.0.weight", normal(merged, merged));
            p.put("visual.merger.mlp.0.bias", zeros(merged));
            p.put("visual.merger.mlp.2.weight", normal(h, merged));
            p.put("visual.merger.mlp.2.bias", zeros(h));
        }
        return p;
    }

    private static ParamSpec normal(long... shape) {
        return new ParamSpec(shape, ParamSpec.Init.NORMAL);
    }

    private static ParamSpec ones(long... shape) {
        return new ParamSpec(shape, ParamSpec.Init.ONES);
    }

    private static ParamSpec zeros(long... shape) {
        return new ParamSpec(shape, ParamSpec.Init.ZEROS);
    }

    // ---- building blocks ----

    /** y = x W^T (+ b) with W in [out, in] layout (a fused matmul-add where the engine has it). */
    private static Tensor linear(Parameters p, String name, Tensor x, boolean bias) {
        return x.linear(p.get(name + ".weight"), bias ? p.get(name + ".bias") : null);
    }

    private static Tensor layerNorm(Parameters p, String name, Tensor x) {
        return x.layerNorm(p.get(name + ".weight"), p.get(name + ".bias"), VISION_LN_EPS);
    }

    /** x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1] over the last axis halves. */
    private static Tensor rotate(TensorFactory f, Tensor x, Tensor cos, Tensor sin) {
        long d = x.shape()[x.shape().length - 1];
        Tensor x1 = x.slice(-1, 0, d / 2);
        Tensor x2 = x.slice(-1, d / 2, d);
        return x.mul(cos).add(f.concat(List.of(x2.neg(), x1), -1).mul(sin));
    }

    /** The vision tower's rotation, in float32 and cast back as transformers applies it (a no-op cast in float32). */
    private static Tensor rotateInFloat32(TensorFactory f, Tensor x, Tensor cos, Tensor sin) {
        return rotate(f, x.toFloat32(), cos, sin).toTypeOf(x);
    }

    /**
     * M-RoPE tables [B, 1, 1, T, d] for the decoder: frequency i (of d/2, inv_freq_i =
     * theta^(-2i/d)) turns with the temporal, height or width position as mrope_section
     * assigns it; the second half of the head repeats the first (rotate-half layout).
     */
    private Tensor[] decoderRope(TensorFactory f, long[][][] positions) {
        int d = config.headDim();
        int b = positions.length;
        int t = positions[0][0].length;
        int[] axisOf = new int[d / 2];
        int i0 = 0;
        for (int axis = 0; axis < 3; axis++) {
            for (int k = 0; k < config.mropeSection().get(axis); k++) {
                axisOf[i0++] = axis;
            }
        }
        double[] inv = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            inv[i] = Math.pow(config.ropeTheta(), -2.0 * i / d);
        }
        double[] cos = new double[b * t * d];
        double[] sin = new double[b * t * d];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                int o = (r * t + j) * d;
                for (int i = 0; i < d / 2; i++) {
                    double angle = positions[r][axisOf[i]][j] * inv[i];
                    cos[o + i] = cos[o + i + d / 2] = Math.cos(angle);
                    sin[o + i] = sin[o + i + d / 2] = Math.sin(angle);
                }
            }
        }
        return new Tensor[] {f.constant(cos, b, 1, 1, t, d), f.constant(sin, b, 1, 1, t, d)};
    }

    /**
     * Rotary tables [1, 1, N, d] for one image's patches in merge-block order: head_dim/4
     * frequencies (theta 10000) per axis, laid out [row, column, row, column].
     */
    private Tensor[] visionRope(TensorFactory f, int[] grid) {
        ModelConfig.VisionConfig v = config.visionConfig();
        int d = v.headDim();
        int m = v.spatialMergeSize();
        int n = grid[0] * grid[1] * grid[2];
        int quarter = d / 4;
        double[] cos = new double[n * d];
        double[] sin = new double[n * d];
        int k = 0;
        for (int t = 0; t < grid[0]; t++) {
            for (int bh = 0; bh < grid[1] / m; bh++) {
                for (int bw = 0; bw < grid[2] / m; bw++) {
                    for (int dy = 0; dy < m; dy++) {
                        for (int dx = 0; dx < m; dx++) {
                            int[] rowCol = {bh * m + dy, bw * m + dx};
                            for (int i = 0; i < quarter; i++) {
                                double inv = Math.pow(10000.0, -2.0 * i / (d / 2.0));
                                for (int half = 0; half < 2; half++) {
                                    for (int axis = 0; axis < 2; axis++) {
                                        int idx = k * d + half * (d / 2) + axis * quarter + i;
                                        cos[idx] = Math.cos(rowCol[axis] * inv);
                                        sin[idx] = Math.sin(rowCol[axis] * inv);
                                    }
                                }
                            }
                            k++;
                        }
                    }
                }
            }
        }
        return new Tensor[] {f.constant(cos, 1, 1, n, d), f.constant(sin, 1, 1, n, d)};
    }

    // ---- vision ----

    /** Consecutive images with the same grid attend in one batched call (each still only to itself). */
    private record Run(int firstRow, int images, int[] grid) {
        int rowsPerImage() {
            return grid[0] * grid[1] * grid[2];
        }
    }

    private static List<Run> runs(List<int[]> grids) {
        List<Run> runs = new ArrayList<>();
        int row = 0;
        for (int[] g : grids) {
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && java.util.Arrays.equals(last.grid(), g)) {
                runs.set(runs.size() - 1, new Run(last.firstRow(), last.images() + 1, g));
            } else {
                runs.add(new Run(row, 1, g.clone()));
            }
            row += g[0] * g[1] * g[2];
        }
        return runs;
    }

    /**
     * Encodes images into decoder-width tokens.
     *
     * @param p parameters
     * @param f tensor factory of the same engine
     * @param pixels [rows, channels * temporal * patch^2]: every image's patch rows, image after
     *     image, each image's rows in merge-block order (what the image processor returns)
     * @param grids {@code image_grid_thw} of each image, in order
     * @return [rows / 4, hiddenSize]: the merged tokens of every image, in order
     */
    public Tensor encodeImages(Parameters p, TensorFactory f, Tensor pixels, List<int[]> grids) {
        ModelConfig.VisionConfig v = config.visionConfig();
        int e = v.embedDim();
        long total = pixels.shape()[0];
        long expected = grids.stream().mapToLong(g -> (long) g[0] * g[1] * g[2]).sum();
        if (expected != total) {
            throw new IllegalArgumentException(total + " patch rows given, the grids need " + expected);
        }
        // The whole tower is one block scope (only the merged tokens outlive it) and each vision block
        // a nested one that also releases its input (the previous block's output): encoding holds one
        // block's intermediates, its input and its output at a time, not every block's output.
        return f.keepOnly(() -> {
            Tensor kernel = p.get("visual.patch_embed.proj.weight").reshape(e, v.patchValues());
            Tensor x = pixels.matmul(kernel.transpose(1, 0)); // [R, E]
            List<Run> runs = runs(grids);
            List<Tensor[]> ropes = new ArrayList<>();
            for (Run run : runs) {
                ropes.add(visionRope(f, run.grid()));
            }
            for (int i = 0; i < v.depth(); i++) {
                Tensor input = x;
                int block = i;
                x = f.keepOnlyReleasing(input, () -> new Tensor[] {visionBlock(p, f, block, input, runs, ropes)})[0];
            }
            int window = v.mergeWindow();
            Tensor grouped = layerNorm(p, "visual.merger.ln_q", x).reshape(total / window, (long) e * window);
            Tensor hidden = linear(p, "visual.merger.mlp.0", grouped, true);
            hidden = hidden.mul(hidden.mul(1 / Math.sqrt(2)).erf().add(1.0)).mul(0.5); // exact GELU
            return new Tensor[] {linear(p, "visual.merger.mlp.2", hidden, true)};
        })[0];
    }

    /** One vision block: x + attention(LayerNorm(x)), then + QuickGELU MLP(LayerNorm(x)). */
    private Tensor visionBlock(Parameters p, TensorFactory f, int i, Tensor x, List<Run> runs, List<Tensor[]> ropes) {
        ModelConfig.VisionConfig v = config.visionConfig();
        int e = v.embedDim();
        int heads = v.numHeads();
        int d = v.headDim();
        String b = "visual.blocks." + i + ".";
        Tensor qkv = linear(p, b + "attn.qkv", layerNorm(p, b + "norm1", x), true); // [R, 3E]
        List<Tensor> attended = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            long n = run.rowsPerImage();
            long images = run.images();
            Tensor part = qkv.slice(0, run.firstRow(), run.firstRow() + images * n)
                    .reshape(images, n, 3, heads, d).transpose(2, 0, 3, 1, 4); // [3, I, heads, N, d]
            Tensor[] rope = ropes.get(r);
            Tensor q = rotateInFloat32(f, part.slice(0, 0, 1).reshape(images, heads, n, d), rope[0], rope[1]);
            Tensor k = rotateInFloat32(f, part.slice(0, 1, 2).reshape(images, heads, n, d), rope[0], rope[1]);
            Tensor val = part.slice(0, 2, 3).reshape(images, heads, n, d);
            Tensor attn = q.attention(k, val, null, 1.0 / Math.sqrt(d));
            attended.add(attn.transpose(0, 2, 1, 3).reshape(images * n, e));
        }
        Tensor merged = attended.size() == 1 ? attended.get(0) : f.concat(attended, 0);
        x = x.add(linear(p, b + "attn.proj", merged, true));
        Tensor hidden = linear(p, b + "mlp.fc1", layerNorm(p, b + "norm2", x), true);
        hidden = hidden.mul(hidden.mul(1.702).sigmoid()); // QuickGELU
        return x.add(linear(p, b + "mlp.fc2", hidden, true));
    }

    // ---- decoder ----

    /**
     * Token embeddings with image placeholders replaced by image features: the k-th
     * placeholder of the batch (row by row) takes feature row k, as transformers'
     * masked scatter does.
     */
    private Tensor embed(Parameters p, TensorFactory f, long[][] ids, Tensor imageFeatures) {
        int b = ids.length;
        int t = ids[0].length;
        long[] flat = new long[b * t];
        for (int r = 0; r < b; r++) {
            System.arraycopy(ids[r], 0, flat, r * t, t);
        }
        Tensor tokens = p.get("model.embed_tokens.weight").rows(f.indices(flat, b, t)); // [B, T, H]
        if (imageFeatures == null) {
            return tokens;
        }
        long available = imageFeatures.shape()[0];
        long used = 0;
        List<Tensor> rows = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            Tensor row = tokens.slice(0, r, r + 1);
            List<Tensor> parts = new ArrayList<>();
            int start = 0;
            int j = 0;
            while (j < t) {
                if (ids[r][j] != config.imageTokenId()) {
                    j++;
                    continue;
                }
                int end = j;
                while (end < t && ids[r][end] == config.imageTokenId()) {
                    end++;
                }
                if (used + (end - j) > available) {
                    throw new IllegalArgumentException("more image placeholders than image tokens (" + available
                            + ") in the batch");
                }
                if (j > start) {
                    parts.add(row.slice(1, start, j));
                }
                parts.add(imageFeatures.slice(0, used, used + (end - j)).reshape(1, end - j, config.hiddenSize()));
                used += end - j;
                start = end;
                j = end;
            }
            if (start < t) {
                parts.add(row.slice(1, start, t));
            }
            rows.add(parts.size() == 1 ? parts.get(0) : f.concat(parts, 1));
        }
        if (used != available) {
            throw new IllegalArgumentException(available + " image tokens given but " + used
                    + " placeholders found");
        }
        return rows.size() == 1 ? rows.get(0) : f.concat(rows, 0);
    }

    /**
     * Runs the decoder over new tokens and applies the output head at every position: the
     * composition of {@link #hiddenStates} and {@link #logits}. Callers that need the logits of
     * a few positions only (scoring, decoding) slice the hidden states first.
     *
     * @param p parameters
     * @param f tensor factory of the same engine
     * @param ids [B][T] token ids of the new tokens
     * @param positions [B][3][T] M-RoPE positions (temporal, height, width) of the new tokens
     * @param keyMask [B][S] 1 for real and 0 for padded key positions over everything the
     *     attention sees (cached tokens then new tokens, S = cache length + T)
     * @param imageFeatures [placeholders, H] from {@link #encodeImages} for the placeholders in ids, or null
     * @param cache the KV cache to extend (may be null: no caching)
     * @return logits [B, T, vocab]
     */
    public Tensor forward(Parameters p, TensorFactory f, long[][] ids, long[][][] positions, int[][] keyMask,
                          Tensor imageFeatures, KvCache cache) {
        return logits(p, hiddenStates(p, f, ids, positions, keyMask, imageFeatures, cache), null);
    }

    /**
     * The output head: hidden states times the (tied or untied) head weight, plus an optional
     * bias per vocabulary entry in the same fused matmul-add (scoring's banned tokens), so the
     * logits are materialised once.
     *
     * @param p parameters
     * @param hidden [..., H] from {@link #hiddenStates}, sliced to the positions whose logits are needed
     * @param bias [vocab] added to every position's logits, or null
     * @return [..., vocab]
     */
    public Tensor logits(Parameters p, Tensor hidden, Tensor bias) {
        Tensor head = p.get(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
        long[] shape = hidden.shape();
        if (shape.length <= 2) {
            return hidden.linear(head, bias);
        }
        // As one [rows, H] matrix: a sliced [N, C, H] batch is not contiguous, and libtorch's matmul
        // may broadcast the head over the N rows for a batched matmul, in bfloat16 a copy of the head
        // per row (measured: a bfloat16 scoring pass of 2 x 64 tokens against a 1536 x 151936 head
        // peaked at +0.925 GiB this way, +0.403 GiB as one matrix; float32 was not affected).
        long positions = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            positions *= shape[i];
        }
        long[] out = shape.clone();
        out[out.length - 1] = head.shape()[0];
        return hidden.reshape(positions, shape[shape.length - 1]).linear(head, bias).reshape(out);
    }

    /**
     * Runs the decoder over new tokens up to the final RMSNorm, one layer at a time in a
     * {@link TensorFactory#keepOnly} block: each layer's intermediates are released once its
     * output exists (where the engine has nested scopes), so a pass holds one layer's
     * intermediates, the residual stream and the KV cache. Under autograd the engine keeps what
     * backward needs regardless.
     *
     * @param p parameters
     * @param f tensor factory of the same engine
     * @param ids [B][T] token ids of the new tokens
     * @param positions [B][3][T] M-RoPE positions (temporal, height, width) of the new tokens
     * @param keyMask [B][S] 1 for real and 0 for padded key positions over everything the
     *     attention sees (cached tokens then new tokens, S = cache length + T)
     * @param imageFeatures [placeholders, H] from {@link #encodeImages} for the placeholders in ids, or null
     * @param cache the KV cache to extend (may be null: no caching)
     * @return the normalised hidden states [B, T, H]
     */
    public Tensor hiddenStates(Parameters p, TensorFactory f, long[][] ids, long[][][] positions, int[][] keyMask,
                               Tensor imageFeatures, KvCache cache) {
        int b = ids.length;
        int t = ids[0].length;
        long past = cache == null ? 0 : cache.length();
        int s = (int) past + t;
        // Additive bias [B, 1, 1, T, S]: causal over absolute positions plus key padding.
        double[] bias = new double[b * t * s];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < s; j++) {
                    boolean visible = j <= past + i && keyMask[r][j] != 0;
                    bias[(r * t + i) * s + j] = visible ? 0 : NEG_INF;
                }
            }
        }
        Tensor attnBias = f.constant(bias, b, 1, 1, t, s);
        Tensor[] rope = decoderRope(f, positions);
        if (cache != null) {
            // Buffers for in-place writes are made here, outside the layers' block scopes.
            cache.reserve(f, p.get("model.layers.0.self_attn.k_proj.weight"), b, config.numKeyValueHeads(),
                    config.headDim());
        }
        // The layers run in one block scope (the normalised output and the cache outlive it, not the
        // residual stream between layers), each layer in a nested one that releases the previous
        // layer's output once it has used it.
        Tensor[] kept = f.keepOnly(() -> {
            Tensor x = embed(p, f, ids, imageFeatures);
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                Tensor input = x;
                int layer = i;
                Tensor[] out = f.keepOnlyReleasing(input, () -> decoderLayer(p, f, layer, input, rope, attnBias, cache));
                x = out[0];
                if (cache != null) {
                    cache.set(i, out[1], out[2]);
                }
            }
            Tensor normed = x.rmsNorm(p.get("model.norm.weight"), config.rmsNormEps());
            if (cache == null) {
                return new Tensor[] {normed};
            }
            Tensor[] entries = cache.tensors();
            Tensor[] all = new Tensor[1 + entries.length];
            all[0] = normed;
            System.arraycopy(entries, 0, all, 1, entries.length);
            return all;
        });
        if (cache != null) {
            cache.replaceTensors(java.util.Arrays.copyOfRange(kept, 1, kept.length));
            cache.advance(t);
        }
        return kept[0];
    }

    /**
     * One decoder layer over x [B, T, H]; with a cache, the new keys and values join the cached
     * ones (the cache stores them after the block: see {@link KvCache#set}).
     *
     * @return the layer's output, then (with a cache) every key and value the new tokens attended to
     */
    private Tensor[] decoderLayer(Parameters p, TensorFactory f, int i, Tensor x, Tensor[] rope, Tensor attnBias,
                                  KvCache cache) {
        long[] shape = x.shape();
        long b = shape[0];
        long t = shape[1];
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int rep = heads / kvHeads;
        int d = config.headDim();
        String l = "model.layers." + i + ".";
        Tensor normed = x.rmsNorm(p.get(l + "input_layernorm.weight"), config.rmsNormEps());
        Tensor q = linear(p, l + "self_attn.q_proj", normed, true)
                .reshape(b, t, kvHeads, rep, d).transpose(0, 2, 3, 1, 4); // [B, kvH, rep, T, d]
        Tensor k = linear(p, l + "self_attn.k_proj", normed, true)
                .reshape(b, t, kvHeads, 1, d).transpose(0, 2, 3, 1, 4); // [B, kvH, 1, T, d]
        Tensor v = linear(p, l + "self_attn.v_proj", normed, true)
                .reshape(b, t, kvHeads, 1, d).transpose(0, 2, 3, 1, 4);
        q = rotate(f, q, rope[0], rope[1]);
        k = rotate(f, k, rope[0], rope[1]);
        if (cache != null) {
            Tensor[] all = cache.extend(f, i, k, v);
            k = all[0];
            v = all[1];
        }
        Tensor attn = q.attention(k, v, attnBias, 1.0 / Math.sqrt(d)) // [B, kvH, rep, T, d]
                .transpose(0, 3, 1, 2, 4).reshape(b, t, (long) heads * d);
        x = x.add(linear(p, l + "self_attn.o_proj", attn, false));
        Tensor normed2 = x.rmsNorm(p.get(l + "post_attention_layernorm.weight"), config.rmsNormEps());
        Tensor gate = linear(p, l + "mlp.gate_proj", normed2, false);
        Tensor up = linear(p, l + "mlp.up_proj", normed2, false);
        x = x.add(linear(p, l + "mlp.down_proj", gate.siluMul(up), false));
        return cache == null ? new Tensor[] {x} : new Tensor[] {x, k, v};
    }
}
