package io.mr1.policy;

import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.List;
import java.util.Map;
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
     * The dtypes this engine can hold variables in, by the names of a run config's
     * {@code model.dtype}: {@code float32} always, {@code bfloat16} where the engine computes in it.
     *
     * @return the dtypes
     * @since 1.2
     */
    default java.util.Set<String> dtypes() {
        return java.util.Set.of("float32");
    }

    /**
     * @param name a variable
     * @return the dtype it is held in ({@link #dtypes})
     * @since 1.2
     */
    default String dtype(String name) {
        return "float32";
    }

    /**
     * As {@link #create(String, java.nio.ByteBuffer, String, long[], boolean)}, held in a given
     * dtype: a BF16 checkpoint loads into bfloat16 without widening, an F32 one is rounded to
     * nearest even. The default holds float32 only.
     *
     * @param name its name (unique in this engine)
     * @param bytes the stored values, little endian, from index 0 to the limit
     * @param dtype F32, BF16 or F16
     * @param shape its shape
     * @param trainable whether it records gradients
     * @param heldAs one of {@link #dtypes}
     * @throws IllegalArgumentException for a dtype the engine cannot hold
     * @since 1.2
     */
    default void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable,
                        String heldAs) {
        if (!heldAs.equals("float32")) {
            throw new IllegalArgumentException("variable " + name + ": this engine holds float32 only, not " + heldAs);
        }
        create(name, bytes, dtype, shape, trainable);
    }

    /**
     * Writes a variable's values in a stored dtype (F32, BF16 rounded to nearest even, F16),
     * little endian, as a checkpoint holds them. The default reads the whole variable as floats;
     * an engine overrides it to stream bounded chunks straight from its own dtype.
     *
     * @param name the variable
     * @param storedDtype F32, BF16 or F16
     * @param out receives exactly size x width bytes
     * @throws java.io.IOException if writing fails
     * @since 1.2
     */
    default void write(String name, String storedDtype, java.io.OutputStream out) throws java.io.IOException {
        io.mr1.models.SafeTensors.fromFloats(this::read)
                .write(name, new io.mr1.models.SafeTensors.TensorInfo(storedDtype, shape(name)), out);
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
     * Gives a variable new values (no gradient recorded), converted to the variable's dtype
     * (rounded to nearest even into bfloat16). A trainable variable is overwritten
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
     * The sum of the squares of every element of every tensor, left on the device (AdamW reads
     * it once per step for the global gradient norm). Engines may reduce with fewer passes.
     *
     * @param tensors at least one tensor
     * @return a scalar tensor
     */
    default Tensor sumOfSquares(List<Tensor> tensors) {
        Tensor total = null;
        for (Tensor t : tensors) {
            Tensor s = t.toFloat32().square().sum(); // a bfloat16 gradient summed in float32
            total = total == null ? s : total.add(s);
        }
        return total;
    }

    /**
     * One AdamW update of one parameter and its moments, in place. The default is the
     * composed reference {@link AdamWStep#composed}; an engine with a fused optimiser kernel
     * overrides it (the conformance kit checks the two agree).
     *
     * @param parameter the parameter's variable
     * @param firstMoment its first-moment variable (exists, same shape)
     * @param secondMoment its second-moment variable (exists, same shape)
     * @param gradient its gradient (before the clipping scale)
     * @param step the settings of this update
     */
    default void adamW(String parameter, String firstMoment, String secondMoment, Tensor gradient, AdamWStep step) {
        AdamWStep.composed(this, parameter, null, firstMoment, secondMoment, gradient, step);
    }

    /**
     * One AdamW update through a float32 master copy of a narrower (bfloat16) parameter: the
     * master is updated and rounded (nearest even) into the parameter; without a master this is
     * {@link #adamW(String, String, String, Tensor, AdamWStep)}. The default is the composed
     * reference; a fused engine overrides it (the conformance kit checks the two agree).
     *
     * @param parameter the parameter's variable
     * @param master its float32 master copy's variable, or null for none
     * @param firstMoment its first-moment variable (float32)
     * @param secondMoment its second-moment variable (float32)
     * @param gradient its gradient (before the clipping scale)
     * @param step the settings of this update
     * @since 1.2
     */
    default void adamW(String parameter, String master, String firstMoment, String secondMoment, Tensor gradient,
                       AdamWStep step) {
        if (master == null) {
            adamW(parameter, firstMoment, secondMoment, gradient, step);
        } else {
            AdamWStep.composed(this, parameter, master, firstMoment, secondMoment, gradient, step);
        }
    }

    /**
     * Draws the next token of every row of a decoding batch: banned tokens removed, then greedy
     * at temperature 0, else softmax(logits / temperature) truncated by top-k then top-p and
     * inverted at the row's uniform number (the caller's seeded stream, so the same seed gives
     * the same tokens on every engine). The default copies the logits to the host and runs
     * {@link TokenSampler} ({@link TokenDraw#onHost}); an engine may draw on the device and
     * copy only the ids and log-probs.
     *
     * @param logits [B, V] last-position logits
     * @param banned token ids never drawn
     * @param temperature 0 for greedy
     * @param topK 0 for all
     * @param topP 1 for all
     * @param uniforms per row a number in [0, 1)
     * @return per row the token and its log-probability at temperature 1
     */
    default TokenDraw drawTokens(Tensor logits, int[] banned, double temperature, int topK, double topP,
                                 double[] uniforms) {
        return TokenDraw.onHost(logits, banned, temperature, topK, topP, uniforms);
    }

    /**
     * Computes one tensor without gradient and returns its values (scoring). Graph engines may
     * build the computation once per shape and cache it, so that scoring runs the same kernels
     * as {@link #backward}; the default runs it in a {@link #scoped} scope.
     *
     * @param forward builds the tensor
     * @return its values, row-major
     * @since 1.1
     */
    default float[] evaluate(Supplier<Tensor> forward) {
        return scoped(() -> forward.get().detach().toFloatArray());
    }

    /**
     * The length a padded sequence dimension (prompt, completion) is rounded up to. Graph
     * engines round to buckets so that shapes, and with them compiled graphs, repeat from step
     * to step; padded positions are masked, so results are the same up to float rounding.
     * The default pads nothing.
     *
     * @param length the longest sequence of a batch
     * @return the padded length, at least {@code length}
     * @since 1.1
     */
    default int paddedLength(int length) {
        return length;
    }

    /**
     * Engine-specific running counters (for instance a graph engine's graph builds), totals since
     * the engine was created; the trainer records each step's change. The default has none.
     *
     * @return counters by name (snake case)
     * @since 1.1
     */
    default Map<String, Double> statistics() {
        return Map.of();
    }

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
