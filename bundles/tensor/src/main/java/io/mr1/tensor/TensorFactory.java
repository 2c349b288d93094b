package io.mr1.tensor;

import org.osgi.annotation.versioning.ConsumerType;

/** Creates tensors in one engine; a backend supplies it alongside its {@link Tensor}s. */
@ConsumerType
public interface TensorFactory {

    /**
     * A constant (no gradient) tensor from row-major values.
     *
     * @param values the values; length must equal the product of the shape
     * @param shape the shape
     * @return the tensor
     */
    Tensor constant(double[] values, long... shape);

    /**
     * Concatenates tensors along an axis (all other dimensions equal).
     *
     * @param parts the tensors, in order
     * @param axis the axis
     * @return the concatenation
     */
    Tensor concat(java.util.List<Tensor> parts, int axis);

    /**
     * A constant tensor of integer values (token ids, positions), stored as the engine prefers.
     *
     * @param values the values
     * @param shape the shape
     * @return the tensor
     */
    default Tensor indices(long[] values, long... shape) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return constant(d, shape);
    }

    /**
     * A constant tensor from float values (log-probs arrive as floats).
     *
     * @param values the values
     * @param shape the shape
     * @return the tensor
     */
    default Tensor constant(float[] values, long... shape) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return constant(d, shape);
    }

    /**
     * A tensor of zeros (a preallocated buffer); engines may allocate it without host data.
     *
     * @param shape its shape
     * @return zeros of that shape
     */
    default Tensor zeros(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return constant(new double[Math.toIntExact(n)], shape);
    }

    /**
     * A tensor of zeros in another tensor's dtype (a KV-cache buffer that bfloat16 keys are
     * written into in place). The default ignores the dtype: for engines with one float type.
     *
     * @param like the tensor whose dtype to take
     * @param shape its shape
     * @return zeros of that shape
     * @since 2.2
     */
    default Tensor zerosLike(Tensor like, long... shape) {
        return zeros(shape);
    }
}
