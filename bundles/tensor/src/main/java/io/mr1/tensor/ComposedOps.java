package io.mr1.tensor;

/**
 * The reference forms of the tensor layer's fused operations, composed from the elementary
 * ones. {@link Tensor}'s default methods call these, so every engine computes the layer ops
 * even without a fused kernel; an engine that overrides one is checked against these forms
 * by the conformance kit (value and gradient). The op order is the model's original order,
 * so the double-precision reference engine's results did not change when the model moved
 * onto the layer ops. Precision points ({@link Tensor#toFloat32()}, {@link Tensor#toTypeOf})
 * follow transformers in bfloat16; in engines of float32 or wider they are no-ops.
 */
public final class ComposedOps {

    private ComposedOps() {
    }

    /**
     * y = x W^T (+ b).
     *
     * @param x input [..., in]
     * @param weight [out, in]
     * @param bias [out], or null for none
     * @return [..., out]
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Tensor y = x.matmul(weight.transpose(1, 0));
        return bias == null ? y : y.add(bias);
    }

    /**
     * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight.
     *
     * @param x input [..., H]
     * @param weight [H]
     * @param eps added to the mean square
     * @return the normalised input
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor h = x.toFloat32();
        return h.mul(h.square().mean(-1, true).add(eps).rsqrt()).toTypeOf(x).mul(weight);
    }

    /**
     * LayerNorm over the last axis (biased variance), then weight and bias.
     *
     * @param x input [..., H]
     * @param weight [H]
     * @param bias [H]
     * @param eps added to the variance
     * @return the normalised input
     */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        Tensor h = x.toFloat32();
        Tensor centred = h.sub(h.mean(-1, true));
        Tensor normed = centred.mul(centred.square().mean(-1, true).add(eps).rsqrt());
        return normed.mul(weight.toFloat32()).add(bias.toFloat32()).toTypeOf(x);
    }

    /**
     * The gate of a SwiGLU MLP: silu(gate) * up, silu(x) = x * sigmoid(x).
     *
     * @param gate the gate projection
     * @param up the up projection, same shape
     * @return silu(gate) * up
     */
    public static Tensor siluMul(Tensor gate, Tensor up) {
        return gate.mul(gate.sigmoid()).mul(up);
    }

    /**
     * Scaled dot-product attention over the last two axes: softmax(q k^T * scale + bias) v.
     *
     * @param q queries [..., T, d]
     * @param k keys [..., S, d]
     * @param v values [..., S, dv]
     * @param bias additive score bias broadcastable to [..., T, S] (0 visible, a large negative
     *     number masked: causality and padding), or null for none
     * @param scale multiplies the scores (1 / sqrt(d) in transformers)
     * @return [..., T, dv]
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, double scale) {
        Tensor scores = q.matmul(k.transpose(swapLastTwo(k.shape().length))).mul(scale);
        if (bias != null) {
            scores = scores.add(bias);
        }
        return scores.toFloat32().softmax(-1).toTypeOf(q).matmul(v);
    }

    /**
     * @param rank a tensor's rank (at least 2)
     * @return the axis permutation that swaps the last two axes
     */
    public static int[] swapLastTwo(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        axes[rank - 1] = rank - 2;
        axes[rank - 2] = rank - 1;
        return axes;
    }
}
