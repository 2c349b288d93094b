package io.mr1.tensor;

import java.util.function.Supplier;
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

    /**
     * Runs one block of a pass (a vision block, a decoder layer) in a nested memory scope and
     * keeps only what it returns: every other tensor the block creates may be released as soon
     * as it returns, instead of when the enclosing scope (a step, a sampling call) ends. A
     * forward pass over many blocks then holds one block's intermediates at a time, not all.
     *
     * <p>The block must return every tensor created inside it that is used after it (its
     * output, a KV cache's new entries) and must not leave others reachable. Tensors made
     * before the block and used inside it are not affected. Under autograd the engine's graph
     * keeps what backward needs (on libtorch the saved activations stay alive after their
     * handles are released), so the block scope frees only what no gradient needs; the default,
     * for engines without nested scopes (a graph engine builds nodes, not buffers), runs the
     * block and releases nothing early.
     *
     * @param block computes the block and returns the tensors that outlive it
     * @return what the block returned, usable in the enclosing scope
     * @since 2.2
     */
    default Tensor[] keepOnly(Supplier<Tensor[]> block) {
        return block.get();
    }

    /**
     * {@link #keepOnly} for a chain of blocks (a tower's blocks, a decoder's layers): the block's
     * input, when it is what an earlier {@code keepOnly} block returned, is released together with
     * the block's intermediates, so that a pass over N blocks holds the residual stream of one
     * block, not N outputs until the enclosing scope ends. The caller must not use {@code input}
     * after the block; an input made otherwise (a variable, a tensor of the enclosing scope) is
     * left alone. The default runs {@link #keepOnly}.
     *
     * @param input the block's input, not used after it
     * @param block computes the block and returns the tensors that outlive it
     * @return what the block returned, usable in the enclosing scope
     * @since 2.3
     */
    default Tensor[] keepOnlyReleasing(Tensor input, Supplier<Tensor[]> block) {
        return keepOnly(block);
    }

    /**
     * Whether tensors of this engine support {@link Tensor#writeInPlace}, so that a caller can
     * decide before preallocating a buffer for in-place writes (a KV cache of the final length).
     * The default is false (callers concatenate); an engine answering true may still decline a
     * single write, which callers must handle.
     *
     * @return whether in-place writes are available
     * @since 2.2
     */
    default boolean writesInPlace() {
        return false;
    }
}
