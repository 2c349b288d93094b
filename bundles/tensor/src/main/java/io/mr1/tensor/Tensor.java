package io.mr1.tensor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An n-dimensional array of floating-point numbers in some engine.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>Operations are pure: they return a new tensor and never modify their operands.</li>
 *   <li>Binary operations broadcast with NumPy's rules (shapes aligned on the right; a
 *       dimension of 1 stretches).</li>
 *   <li>Gradients flow through every operation except {@link #detach()}, {@link #lt} and
 *       {@link #gt} (masks) in engines that record them. In graph engines (TensorFlow Java),
 *       operations add nodes to the graph being built; the backend builds one graph per
 *       padded shape bucket and caches it, so code written on this interface must not branch
 *       on tensor <em>values</em>, only on shapes and on plain Java parameters.</li>
 *   <li>Intermediates belong to the engine's current scope (a DJL NDManager, a TF graph);
 *       the backend closes the scope after a step, so callers need not close them. A model
 *       releases a block's intermediates earlier with {@link TensorFactory#keepOnly}.</li>
 * </ul>
 */
@ConsumerType
public interface Tensor {

    /** @return the shape, outermost dimension first */
    long[] shape();

    /** @param other tensor @return this + other */
    Tensor add(Tensor other);

    /** @param other tensor @return this - other */
    Tensor sub(Tensor other);

    /** @param other tensor @return this * other, elementwise */
    Tensor mul(Tensor other);

    /** @param other tensor @return this / other, elementwise */
    Tensor div(Tensor other);

    /** @param value scalar @return this + value */
    Tensor add(double value);

    /** @param value scalar @return this * value */
    Tensor mul(double value);

    /** @return -this */
    Tensor neg();

    /** @return e^this, elementwise */
    Tensor exp();

    /** @return natural log, elementwise */
    Tensor log();

    /** @return this^2, elementwise */
    Tensor square();

    /** @param other tensor @return elementwise minimum (gradient to the smaller operand) */
    Tensor minimum(Tensor other);

    /** @param other tensor @return elementwise maximum (gradient to the larger operand) */
    Tensor maximum(Tensor other);

    /**
     * @param min lower bound
     * @param max upper bound
     * @return values clamped into [min, max]; zero gradient where clamped
     */
    Tensor clip(double min, double max);

    /** @param value threshold @return 1 where this &lt; value, else 0; no gradient */
    Tensor lt(double value);

    /** @param value threshold @return 1 where this &gt; value, else 0; no gradient */
    Tensor gt(double value);

    /** @return the sum of all elements, a scalar (shape []) */
    Tensor sum();

    /**
     * @param axis the axis to reduce (negative counts from the end)
     * @return the sum over one axis, which is removed from the shape
     */
    Tensor sum(int axis);

    /** @return square root, elementwise */
    Tensor sqrt();

    /** @return 1 / sqrt(this), elementwise (RMSNorm) */
    Tensor rsqrt();

    /** @return the logistic sigmoid, elementwise (SiLU = x * sigmoid(x)) */
    Tensor sigmoid();

    /** @return tanh, elementwise */
    Tensor tanh();

    /** @return the Gauss error function, elementwise (exact GELU = x * (1 + erf(x / sqrt 2)) / 2) */
    Tensor erf();

    /**
     * Matrix product over the last two dimensions, broadcasting the leading (batch)
     * dimensions: [..., n, k] x [..., k, m] -> [..., n, m].
     *
     * @param other right operand
     * @return the product
     */
    Tensor matmul(Tensor other);

    /**
     * @param axis axis (negative counts from the end)
     * @return softmax along the axis
     */
    Tensor softmax(int axis);

    /**
     * Log-softmax, in at least float32: an engine computing in a narrower type (bfloat16) widens
     * first and returns float32 (log-probs feed exp(logp - old) ratios and KL terms, where
     * bfloat16's 8-bit mantissa would put errors of ~0.4% into every probability ratio).
     *
     * @param axis axis (negative counts from the end)
     * @return log-softmax along the axis, computed stably
     */
    Tensor logSoftmax(int axis);

    /**
     * @param axis the axis to reduce
     * @param keepDims keep the reduced axis with size 1
     * @return the sum over one axis
     */
    Tensor sum(int axis, boolean keepDims);

    /**
     * @param axis the axis to reduce
     * @param keepDims keep the reduced axis with size 1
     * @return the mean over one axis
     */
    Tensor mean(int axis, boolean keepDims);

    /**
     * @param shape the new shape, same element count; one dimension may be -1 (inferred)
     * @return the values in row-major order under a new shape
     */
    Tensor reshape(long... shape);

    /**
     * @param axes a permutation of the axes
     * @return the tensor with its axes permuted
     */
    Tensor transpose(int... axes);

    /**
     * @param axis the axis
     * @param start first index, inclusive
     * @param end last index, exclusive
     * @return the slice [start, end) along the axis
     */
    Tensor slice(int axis, long start, long end);

    /**
     * Picks one element along the last axis for every position: out[..., 0] = this[..., index[...]].
     * Used to read each token's log-prob from [B, T, V] log-softmax with [B, T] ids.
     *
     * @param indices integer-valued tensor with this tensor's shape minus the last axis
     * @return the picked values, shape of indices
     */
    Tensor gatherLast(Tensor indices);

    /**
     * Looks up rows of this [N, D] table: out[..., :] = this[indices[...], :] (embeddings).
     *
     * @param indices integer-valued tensor of any shape
     * @return shape indices.shape + [D]
     */
    Tensor rows(Tensor indices);

    // ---- precision: engines that compute in a narrower type than float32 (bfloat16) ----

    /**
     * The values in at least float32 precision (gradient flows through). Engines that compute in
     * float32 or wider return this tensor; a bfloat16 engine returns a float32 copy. The layer
     * ops use it at their precision points (normalisation statistics, softmax).
     *
     * @return this, or a float32 copy
     * @since 2.2
     */
    default Tensor toFloat32() {
        return this;
    }

    /**
     * The values in another tensor's dtype (gradient flows through), rounding to nearest even
     * when that dtype is narrower: where a precision point ends.
     *
     * @param other the tensor whose dtype to take
     * @return this, or a copy in other's dtype
     * @since 2.2
     */
    default Tensor toTypeOf(Tensor other) {
        return this;
    }

    // ---- layer ops: composed by default (ComposedOps), fused where an engine has a kernel ----

    /**
     * A linear layer, this [..., in] times weight [out, in] transposed, plus bias (one fused
     * matmul-add, {@code addmm}, where the engine has it).
     *
     * @param weight [out, in]
     * @param bias [out], or null for none
     * @return [..., out]
     */
    default Tensor linear(Tensor weight, Tensor bias) {
        return ComposedOps.linear(this, weight, bias);
    }

    /**
     * RMSNorm over the last axis (Qwen2's decoder norm). Precision as transformers' Qwen2RMSNorm:
     * the mean square and the normalisation in float32, cast back to the input's dtype, then
     * times the weight.
     *
     * @param weight [H]
     * @param eps added to the mean square
     * @return this / sqrt(mean(this^2) + eps) * weight
     */
    default Tensor rmsNorm(Tensor weight, double eps) {
        return ComposedOps.rmsNorm(this, weight, eps);
    }

    /**
     * LayerNorm over the last axis (the vision tower's norm). Precision as torch's layer_norm for
     * a bfloat16 input: statistics, normalisation, weight and bias in float32, rounded once to
     * the input's dtype.
     *
     * @param weight [H]
     * @param bias [H]
     * @param eps added to the variance
     * @return the normalised values times weight plus bias
     */
    default Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        return ComposedOps.layerNorm(this, weight, bias, eps);
    }

    /**
     * SwiGLU's gating: silu(this) * up.
     *
     * @param up same shape as this
     * @return silu(this) * up
     */
    default Tensor siluMul(Tensor up) {
        return ComposedOps.siluMul(this, up);
    }

    /**
     * Scaled dot-product attention with this as the queries [..., T, d]:
     * softmax(this keys^T * scale + bias) values. Precision as transformers' eager attention:
     * scores in the input's dtype, the softmax in float32 and cast back before the product with
     * the values.
     *
     * @param keys [..., S, d]
     * @param values [..., S, dv]
     * @param bias additive bias broadcastable to [..., T, S] (masking), or null
     * @param scale score scale
     * @return [..., T, dv]
     */
    default Tensor attention(Tensor keys, Tensor values, Tensor bias, double scale) {
        return ComposedOps.attention(this, keys, values, bias, scale);
    }

    /**
     * Optionally writes {@code part} into this tensor in place, along one axis from
     * {@code start} (a preallocated KV cache filled token by token instead of concatenated):
     * the one exception to "operations are pure", for buffers outside autograd whose written
     * range no earlier result reads. Engines without in-place writes keep the default, which
     * writes nothing and returns false; the caller then concatenates.
     *
     * @param axis the axis (non-negative)
     * @param start where the part goes along it
     * @param part this tensor's shape except part's length along the axis
     * @return whether it was written
     */
    default boolean writeInPlace(int axis, long start, Tensor part) {
        return false;
    }

    /** @return the same values without gradient (a constant) */
    Tensor detach();

    /** @return the value of a one-element tensor */
    double toScalar();

    /** @return all values in row-major order, as doubles */
    double[] toDoubleArray();

    /**
     * All values as floats; engines that compute in float32 override this to copy without
     * widening (logits of a whole vocabulary leave the engine every decoding step).
     *
     * @return all values in row-major order, as floats
     */
    default float[] toFloatArray() {
        double[] d = toDoubleArray();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }
}
