package io.mr1.policy;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a backend supplies so that {@link EnginePolicy} runs on its engine: tensors on one
 * device, autograd, memory scopes and persistent named variables (parameters, the frozen
 * reference, optimiser moments). Everything else — the model, the losses, sampling, the
 * optimiser, checkpoints — is written once above it.
 *
 * <p>Variables live until the engine closes; tensors made inside {@link #scoped} are
 * released when it returns. Trainable variables accumulate gradients over every
 * {@link #backward} until {@link #zeroGradients}.
 */
@ConsumerType
public interface TensorEngine extends AutoCloseable {

    /** @return the factory of constants on this engine's device */
    TensorFactory tensors();

    /**
     * Runs work in a memory scope: every tensor it creates is released when it returns, so
     * its result must be plain Java values.
     *
     * @param work the work
     * @param <T> its result
     * @return the result
     */
    <T> T scoped(Supplier<T> work);

    /**
     * Creates (or replaces) a persistent variable from host values.
     *
     * @param name its name (unique in this engine)
     * @param values row-major values
     * @param shape its shape
     * @param trainable whether it records gradients
     */
    void create(String name, float[] values, long[] shape, boolean trainable);

    /**
     * Creates (or replaces) a persistent float32 variable from a tensor's stored bytes, as a
     * checkpoint holds them: little-endian F32, BF16 or F16, typically a memory-mapped slice of
     * the file that is unmapped when this returns (so the engine must copy it, never keep it).
     * The default widens the values into a {@code float[]} and calls
     * {@link #create(String, float[], long[], boolean)}; an engine that can convert in its own
     * memory overrides it, so a checkpoint is never copied onto the Java heap.
     *
     * @param name its name (unique in this engine)
     * @param bytes the stored values, little endian, from index 0 to the limit
     * @param dtype F32, BF16 or F16
     * @param shape its shape
     * @param trainable whether it records gradients
     */
    default void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable) {
        create(name, io.mr1.models.SafeTensors.floats(dtype, bytes), shape, trainable);
    }

    /**
     * Creates (or replaces) a persistent variable of zeros, such as an optimiser moment. The
     * default passes a {@code float[]} of zeros; an engine that can allocate zeros itself
     * overrides it, so a large tensor (a 151936-row embedding's moment) never passes through the heap.
     *
     * @param name its name (unique in this engine)
     * @param shape its shape
     * @param trainable whether it records gradients
     */
    default void createZeros(String name, long[] shape, boolean trainable) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        create(name, new float[Math.toIntExact(size)], shape, trainable);
    }

    /**
     * @param name a variable's name
     * @return whether it exists
     */
    boolean contains(String name);

    /**
     * @param name a variable's name
     * @return the variable as a tensor usable in this engine's computations (with gradient when trainable)
     * @throws IllegalArgumentException for an unknown name
     */
    Tensor variable(String name);

    /**
     * Gives a variable new values (no gradient recorded). A trainable variable is overwritten
     * in place (it keeps its identity and gradient buffer); a non-trainable one may instead take
     * over the computed tensor, which the caller must then not use again.
     *
     * @param name the variable
     * @param value a freshly computed tensor of the variable's shape
     */
    void assign(String name, Tensor value);

    /**
     * @param name a trainable variable
     * @return its accumulated gradient, or null while it has none (it took part in no backward pass)
     */
    Tensor gradient(String name);

    /** Resets every accumulated gradient to zero. */
    void zeroGradients();

    /**
     * Runs a forward computation with gradient recording, back-propagates its first result into
     * the trainable variables' gradients (adding to what they hold) and returns every result's
     * value. Graph engines may build the forward once per shape and cache it.
     *
     * @param forward builds the scalar to differentiate, followed by further scalars to read
     * @return the value of each scalar, in order
     */
    double[] backward(Supplier<Tensor[]> forward);

    /**
     * @param name a variable
     * @return its values, row-major, copied to the host
     */
    float[] read(String name);

    /**
     * @param name a variable
     * @return its shape
     */
    long[] shape(String name);

    /** Releases the engine's native memory: every variable. */
    @Override
    void close();
}
