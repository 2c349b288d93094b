package io.mr1.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.mr1.api.backend.OptimizerSettings;
import io.mr1.api.backend.PolicyLoss;
import io.mr1.models.ModelConfig;
import io.mr1.models.SafeTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text path of the Qwen2-VL decoder and its GRPO-D training step written directly on
 * DJL NDArrays (libtorch), without mr1's tensor layer or model class: the baseline that
 * {@code EnginePolicy.step} is compared against. It computes what mr1 computes (same
 * left-padded layout, additive -1e9 mask, rotary tables, tied head over every position,
 * the GRPO-D loss with its statistics, global-norm clipping and AdamW), but in the form one
 * would write by hand: fused {@code linear}, masks and rotary angles built by tensor ops,
 * key/value heads repeated with {@code repeat_interleave}, one host sync for the gradient norm.
 */
public final class PlainDecoder implements AutoCloseable {

    private static final float NEG_INF = -1e9f;

    private final NDManager manager;
    private final ModelConfig config;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> adamM = new LinkedHashMap<>();
    private final Map<String, NDArray> adamV = new LinkedHashMap<>();
    private final NDArray invFreq;
    private final NDArray ban;
    private long adamSteps;
    private List<NDArray> gradients;

    /**
     * One training batch, already tokenised.
     *
     * @param promptIds each completion's prompt ids (chat template applied), unpadded
     * @param completions each completion's token ids
     * @param advantages one advantage per completion
     * @param referenceLogProbs per-token log-probs under the reference, one array per completion
     */
    public record Batch(List<long[]> promptIds, List<int[]> completions, double[] advantages,
                        List<float[]> referenceLogProbs) {
    }

    /**
     * The step's results, read back to the host as mr1's step reads them.
     *
     * @param loss loss value
     * @param gradNorm global gradient norm before clipping
     * @param klMean mean per-token KL estimate
     */
    public record Result(double loss, double gradNorm, double klMean) {
    }

    /**
     * Copies the decoder weights (vision weights are not needed on text) into a fresh manager.
     *
     * @param parent the manager to create a child of (its engine and device are used)
     * @param config the model sizes
     * @param weights the checkpoint's tensors by Hugging Face name
     * @param bannedTokens tokens a completion never contains (the vision placeholders): scoring
     *     renormalises over the others, as mr1's policy does
     */
    public PlainDecoder(NDManager parent, ModelConfig config, Map<String, SafeTensors.Entry> weights,
                        int[] bannedTokens) {
        if (!config.tieWordEmbeddings()) {
            throw new IllegalArgumentException("the plain decoder implements the tied head only");
        }
        this.manager = parent.newSubManager();
        this.config = config;
        weights.forEach((name, entry) -> {
            if (name.startsWith("visual.")) {
                return;
            }
            NDArray p = owned(manager.create(entry.data(), new Shape(entry.shape())));
            p.setRequiresGradient(true);
            params.put(name, p);
            adamM.put(name, manager.zeros(p.getShape()));
            adamV.put(name, manager.zeros(p.getShape()));
        });
        int d = config.headDim();
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) Math.pow(config.ropeTheta(), -2.0 * i / d);
        }
        this.invFreq = owned(manager.create(inv));
        float[] ban = new float[config.vocabSize()];
        for (int id : bannedTokens) {
            ban[id] = NEG_INF;
        }
        this.ban = owned(manager.create(ban, new Shape(1, 1, config.vocabSize())));
    }

    /**
     * A copy in libtorch's own memory. DJL backs arrays made from Java data with a direct
     * ByteBuffer that only lives as long as the DJL wrapper: anything autograd keeps for the
     * backward pass, or that outlives a scope, must not point into one.
     */
    private static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }

    /**
     * A scalar for arithmetic that autograd may record. DJL's {@code mul(Number)}-style
     * overloads wrap the scalar in a Java-backed array and close it at once, while autograd
     * keeps it for the backward pass (a read of freed memory once the GC runs).
     */
    private NDArray scalar(double value) {
        return owned(manager.create(new float[] {(float) value}, new Shape()));
    }

    /** @return the decoder parameter count (the tied embedding counted once) */
    public long parameterCount() {
        return params.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    private NDArray p(String name) {
        return params.get(name);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        return x.div(x.square().mean(new int[] {-1}, true).add(scalar(config.rmsNormEps())).sqrt()).mul(weight);
    }

    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long d = x.getShape().get(3);
        NDArray x1 = x.get(new NDIndex(":, :, :, :{}", d / 2));
        NDArray x2 = x.get(new NDIndex(":, :, :, {}:", d / 2));
        return x.mul(cos).add(x2.neg().concat(x1, 3).mul(sin));
    }

    /**
     * Per-token log-probs of the completions: one forward over [left-padded prompt,
     * right-padded completion]; logits at position j score the token at j + 1.
     *
     * @param batch the batch
     * @return [N, width] log-probs, with gradient when called inside a collector
     */
    public NDArray completionLogProbs(Batch batch) {
        int n = batch.completions().size();
        int promptLen = batch.promptIds().stream().mapToInt(a -> a.length).max().orElse(0);
        int width = width(batch);
        int t = promptLen + width;
        long[] ids = new long[n * t];
        float[] positions = new float[n * t];
        float[] keyMask = new float[n * t];
        long[] targets = new long[n * width];
        Arrays.fill(ids, config.padTokenId());
        for (int r = 0; r < n; r++) {
            long[] prompt = batch.promptIds().get(r);
            int[] completion = batch.completions().get(r);
            int offset = promptLen - prompt.length;
            int pos = 0;
            for (int j = 0; j < prompt.length; j++) {
                ids[r * t + offset + j] = prompt[j];
                keyMask[r * t + offset + j] = 1;
                positions[r * t + offset + j] = pos++;
            }
            for (int j = 0; j < completion.length; j++) {
                ids[r * t + promptLen + j] = completion[j];
                keyMask[r * t + promptLen + j] = 1;
                positions[r * t + promptLen + j] = pos++;
                targets[r * width + j] = completion[j];
            }
        }
        NDArray logits = forward(manager.create(ids, new Shape(n, t)), manager.create(positions, new Shape(n, t)),
                manager.create(keyMask, new Shape(n, t)));
        return logits.get(new NDIndex(":, {}:{}", promptLen - 1, promptLen - 1 + width)).add(ban).logSoftmax(2)
                .gather(manager.create(targets, new Shape(n, width, 1)), 2).squeeze(2);
    }

    /** Logits [N, T, vocab] of a full (uncached) forward. */
    private NDArray forward(NDArray ids, NDArray positions, NDArray keyMask) {
        long n = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int d = config.headDim();
        // Additive bias [N, 1, T, T]: 0 where the key is real and not in the future, else -1e9.
        NDArray row = manager.arange(0f, (float) t).reshape(t, 1);
        NDArray causal = manager.arange(0f, (float) t).reshape(1, t).lte(row);
        NDArray visible = causal.logicalAnd(keyMask.reshape(n, 1, 1, t).gt(0f));
        NDArray bias = visible.toType(DataType.FLOAT32, false).sub(1f).mul(-NEG_INF);
        // Rotary tables [N, 1, T, d]: the angles repeated over both halves.
        NDArray angles = positions.reshape(n, 1, t, 1).mul(invFreq.reshape(1, 1, 1, d / 2));
        angles = angles.concat(angles, 3);
        NDArray cos = angles.cos();
        NDArray sin = angles.sin();
        NDArray x = p("model.embed_tokens.weight").get(new NDIndex("{}", ids.reshape(-1))).reshape(n, t, -1);
        NDArray scale = scalar(1.0 / Math.sqrt(d));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String l = "model.layers." + i + ".";
            NDArray h = rmsNorm(x, p(l + "input_layernorm.weight"));
            NDArray q = Linear.linear(h, p(l + "self_attn.q_proj.weight"), p(l + "self_attn.q_proj.bias"))
                    .singletonOrThrow().reshape(n, t, heads, d).transpose(0, 2, 1, 3);
            NDArray k = Linear.linear(h, p(l + "self_attn.k_proj.weight"), p(l + "self_attn.k_proj.bias"))
                    .singletonOrThrow().reshape(n, t, kvHeads, d).transpose(0, 2, 1, 3);
            NDArray v = Linear.linear(h, p(l + "self_attn.v_proj.weight"), p(l + "self_attn.v_proj.bias"))
                    .singletonOrThrow().reshape(n, t, kvHeads, d).transpose(0, 2, 1, 3);
            q = rotate(q, cos, sin);
            k = rotate(k, cos, sin);
            if (heads != kvHeads) {
                // query head h reads key/value head h / rep, as Hugging Face's repeat_kv
                k = k.repeat(1, heads / kvHeads);
                v = v.repeat(1, heads / kvHeads);
            }
            NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(bias).softmax(3).matMul(v)
                    .transpose(0, 2, 1, 3).reshape(n, t, (long) heads * d);
            x = x.add(Linear.linear(attn, p(l + "self_attn.o_proj.weight")).singletonOrThrow());
            NDArray h2 = rmsNorm(x, p(l + "post_attention_layernorm.weight"));
            NDArray gate = Linear.linear(h2, p(l + "mlp.gate_proj.weight")).singletonOrThrow();
            NDArray up = Linear.linear(h2, p(l + "mlp.up_proj.weight")).singletonOrThrow();
            x = x.add(Linear.linear(gate.mul(Activation.sigmoid(gate)).mul(up), p(l + "mlp.down_proj.weight"))
                    .singletonOrThrow());
        }
        NDArray out = rmsNorm(x, p("model.norm.weight"));
        return Linear.linear(out, p("model.embed_tokens.weight")).singletonOrThrow();
    }

    private static int width(Batch batch) {
        return Math.max(1, batch.completions().stream().mapToInt(c -> c.length).max().orElse(1));
    }

    /**
     * Log-probs without gradient, for the agreement check.
     *
     * @param batch the batch
     * @return one array per completion, its own length
     */
    public List<float[]> logProbs(Batch batch) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int width = width(batch);
            float[] all = completionLogProbs(batch).toFloatArray();
            List<float[]> out = new ArrayList<>();
            for (int r = 0; r < batch.completions().size(); r++) {
                out.add(Arrays.copyOfRange(all, r * width, r * width + batch.completions().get(r).length));
            }
            return out;
        }
    }

    /**
     * One GRPO-D step: forward, loss (old log-probs = the current ones, detached), backward,
     * global-norm clipping and AdamW, everything transient closed when it returns.
     *
     * @param batch the batch
     * @param loss the loss description
     * @param o optimiser settings
     * @param step the step, for the learning-rate schedule
     * @return loss, gradient norm and KL
     */
    public Result step(Batch batch, PolicyLoss.Grpo loss, OptimizerSettings o, long step) {
        int n = batch.completions().size();
        int width = width(batch);
        float[] maskValues = new float[n * width];
        float[] refValues = new float[n * width];
        float[] advValues = new float[n];
        for (int r = 0; r < n; r++) {
            int len = batch.completions().get(r).length;
            Arrays.fill(maskValues, r * width, r * width + len, 1f);
            System.arraycopy(batch.referenceLogProbs().get(r), 0, refValues, r * width, len);
            advValues[r] = (float) batch.advantages()[r];
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray mask = manager.create(maskValues, new Shape(n, width));
            NDArray ref = manager.create(refValues, new Shape(n, width));
            NDArray adv = manager.create(advValues, new Shape(n, 1));
            double lossValue;
            double klMean;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logp = completionLogProbs(batch);
                NDArray ratio = logp.sub(logp.stopGradient()).exp();
                NDArray clipped = NDArrays.maximum(NDArrays.minimum(ratio, scalar(1 + loss.epsHigh())),
                        scalar(1 - loss.epsLow()));
                NDArray objective = NDArrays.minimum(ratio.mul(adv), clipped.mul(adv));
                NDArray diff = ref.sub(logp);
                NDArray kl = diff.exp().sub(diff).sub(scalar(1)); // k3
                objective = objective.sub(kl.mul(scalar(loss.beta())));
                NDArray lossArray = objective.neg().mul(mask).sum(new int[] {1})
                        .div(mask.sum(new int[] {1}).clip(1f, Float.MAX_VALUE)).mean();
                // the statistics mr1's step reports, so both paths do the same work
                NDArray tokens = mask.sum().clip(1f, Float.MAX_VALUE);
                NDArray frozen = ratio.stopGradient();
                NDArray clipLow = frozen.lt(1 - loss.epsLow()).logicalAnd(adv.lt(0f))
                        .toType(DataType.FLOAT32, false).mul(mask).sum().div(tokens);
                NDArray clipHigh = frozen.gt(1 + loss.epsHigh()).logicalAnd(adv.gt(0f))
                        .toType(DataType.FLOAT32, false).mul(mask).sum().div(tokens);
                lossValue = lossArray.getFloat();
                klMean = kl.stopGradient().mul(mask).sum().div(tokens).getFloat();
                clipLow.getFloat();
                clipHigh.getFloat();
                collector.backward(lossArray);
            }
            double norm = adamW(o, step);
            return new Result(lossValue, norm, klMean);
        }
    }

    /** The gradient buffers, fetched once after the first backward and kept out of every scope. */
    private List<NDArray> gradients() {
        if (gradients == null) {
            gradients = new ArrayList<>(params.size());
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                NDScope.unregister(g);
                g.detach();
                gradients.add(g);
            }
        }
        return gradients;
    }

    private double adamW(OptimizerSettings o, long step) {
        List<NDArray> grads = gradients();
        NDArray squares = null;
        for (NDArray g : grads) {
            NDArray s = g.square().sum();
            squares = squares == null ? s : squares.add(s);
        }
        double norm = Math.sqrt(squares.getFloat()); // one host sync for all parameters
        double scale = o.maxGradNorm() > 0 && norm > o.maxGradNorm() ? o.maxGradNorm() / (norm + 1e-6) : 1.0;
        adamSteps++;
        double lr = o.learningRateAt(step);
        double bias1 = 1 - Math.pow(o.beta1(), adamSteps);
        double bias2 = 1 - Math.pow(o.beta2(), adamSteps);
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray grad = grads.get(i++);
            NDArray g = scale == 1.0 ? grad : grad.mul(scale);
            NDArray m = adamM.get(e.getKey());
            NDArray v = adamV.get(e.getKey());
            m.muli(o.beta1()).addi(g.mul(1 - o.beta1()));
            v.muli(o.beta2()).addi(g.square().mul(1 - o.beta2()));
            NDArray update = m.div(bias1).divi(v.div(bias2).sqrt().addi(o.epsilon()));
            if (o.weightDecay() > 0) {
                p.muli(1 - lr * o.weightDecay());
            }
            p.subi(update.muli(lr));
            grad.muli(0); // DJL accumulates gradients
        }
        return norm;
    }

    @Override
    public void close() {
        manager.close();
    }
}
