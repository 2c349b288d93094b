package io.mr1.backend.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.mr1.models.SafeTensors;
import io.mr1.policy.AdamWStep;
import io.mr1.policy.TensorEngine;
import io.mr1.policy.TokenDraw;
import io.mr1.tensor.Tensor;
import io.mr1.tensor.TensorFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@link TensorEngine} on DJL's PyTorch engine: variables are NDArrays of one NDManager
 * (on the policy's device) that lives as long as the policy; each {@link #scoped} call is an
 * NDScope whose arrays are closed when it returns; autograd is DJL's GradientCollector,
 * whose backward passes add into the parameters' {@code .grad}.
 *
 * <p>The optimiser is fused: the global gradient norm is one {@code norm} per gradient (no
 * squared copy) and a norm of those, read once per step; each parameter's AdamW update is
 * one call of DJL's native {@code adamUpdate} (libtorch in-place ops on parameter and
 * moments, no Java-side intermediates). With {@code mr1.pytorch.fused} lacking {@code adamw} both take
 * the composed reference forms.
 *
 * <p>Variables are held in float32 or bfloat16 ({@link Bfloat16}). When a step has several
 * micro-batches, the bfloat16 gradients of bfloat16 parameters are summed in float32 (each
 * micro-batch's {@code .grad} folded in before the next adds to it), so they accumulate without
 * bfloat16 rounding; AdamW updates their float32 master copies (see {@code AdamW}), rounding
 * each into its parameter.
 */
final class DjlEngine implements TensorEngine {

    private final NDManager manager;
    private final TensorFactory tensors;
    private final Map<String, NDArray> variables = new LinkedHashMap<>();
    private final Map<String, NDArray> gradients = new HashMap<>();
    private final Set<String> trainable = new HashSet<>();
    /** Float32 sums of the gradients of bfloat16 parameters, by name. */
    private final Map<String, NDArray> accumulated = new HashMap<>();

    DjlEngine(NDManager manager) {
        this.manager = manager;
        this.tensors = DjlTensor.factory(manager);
        DjlTensor.readFusedSetting();
    }

    /** A float32 scalar in libtorch's memory (never DJL's Number overloads: they name the array's dtype). */
    private NDArray scalar(NDManager m, float value) {
        return DjlTensor.owned(m.create(new float[] {value}, new Shape()));
    }

    @Override
    public TensorFactory tensors() {
        return tensors;
    }

    @Override
    public <T> T scoped(Supplier<T> work) {
        DjlTensor.readFusedSetting();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return work.get();
        }
    }

    @Override
    public void create(String name, float[] values, long[] shape, boolean trainable) {
        register(name, DjlTensor.owned(manager.create(values, new Shape(shape))), trainable);
    }

    @Override
    public java.util.Set<String> dtypes() {
        return java.util.Set.of(FLOAT32, BFLOAT16);
    }

    @Override
    public String dtype(String name) {
        return Bfloat16.is(array(name)) ? BFLOAT16 : FLOAT32;
    }

    @Override
    public void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable) {
        create(name, bytes, dtype, shape, trainable, FLOAT32);
    }

    /**
     * Copies a checkpoint tensor into libtorch without a Java-heap or whole-tensor host copy.
     * Into float32: F32 is a CPU tensor over the mapped bytes (no copy), cloned into libtorch's
     * memory; BF16 and F16 are widened chunk by chunk ({@link SafeTensors#widen}) into one
     * reusable direct buffer. Into bfloat16: BF16 bytes are copied as they are (no widening),
     * F32 is rounded to nearest even by libtorch's converting copy straight from the mapping,
     * F16 is widened by chunks and rounded. The host holds the target tensor plus {@link #CHUNK}
     * values, never a second copy of a tensor.
     */
    @Override
    public void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable,
                       String heldAs) {
        if (!heldAs.equals(FLOAT32) && !heldAs.equals(BFLOAT16)) {
            throw new IllegalArgumentException("variable " + name + ": cannot hold " + heldAs + "; valid: "
                    + FLOAT32 + ", " + BFLOAT16);
        }
        boolean narrow = heldAs.equals(BFLOAT16);
        boolean littleEndian = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        if (!bytes.isDirect() || !littleEndian || !(dtype.equals("F32") || dtype.equals("BF16") || dtype.equals("F16"))) {
            if (narrow) {
                throw new IllegalArgumentException("variable " + name + ": bfloat16 needs F32, BF16 or F16 bytes"
                        + " in direct little-endian memory");
            }
            TensorEngine.super.create(name, bytes, dtype, shape, trainable);
            return;
        }
        java.nio.ByteBuffer source = bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        source.position(0);
        Shape s = new Shape(shape);
        NDArray result;
        try (NDManager host = manager.newSubManager(Device.cpu())) {
            if (narrow && dtype.equals("BF16")) {
                result = Bfloat16.fromBytes(manager, source, s);
            } else if (!narrow && dtype.equals("F32")) {
                NDArray view = host.create(source, s, DataType.FLOAT32);
                // A clone on the CPU, a transfer elsewhere: never an alias of the mapping, unmapped after this call.
                result = manager.getDevice().equals(Device.cpu()) ? view.duplicate()
                        : view.toDevice(manager.getDevice(), true);
            } else {
                result = narrow ? Bfloat16.zeros(manager, s) : manager.zeros(s, DataType.FLOAT32);
                NDArray flat = result.reshape(new Shape(s.size())); // a view: writing it fills result
                fill(flat, source, dtype, s.size(), host);
                flat.close();
            }
            result.attach(manager);
        }
        register(name, result, trainable);
    }

    /** Fills a flat float32 or bfloat16 view chunk by chunk from stored F32 (mapped), BF16 or F16 values. */
    private void fill(NDArray flat, java.nio.ByteBuffer source, String dtype, long count, NDManager host) {
        boolean cpu = manager.getDevice().equals(Device.cpu());
        if (dtype.equals("F32")) {
            // The mapping itself as float32, copied (and for bfloat16 rounded) by libtorch: no host copy.
            try (NDArray view = host.create(source, new Shape(count), DataType.FLOAT32)) {
                flat.set(new NDIndex(":"), cpu ? view : view.toDevice(manager.getDevice(), true));
            }
            return;
        }
        java.nio.FloatBuffer chunk = chunk();
        for (long from = 0; from < count; from += CHUNK) {
            int n = (int) Math.min(CHUNK, count - from);
            SafeTensors.widen(dtype, source, from, chunk, n);
            java.nio.ByteBuffer window = chunkBytes.duplicate().order(java.nio.ByteOrder.nativeOrder());
            window.limit(4 * n);
            try (NDArray part = host.create(window, new Shape(n), DataType.FLOAT32)) {
                flat.set(new NDIndex(from + ":" + (from + n)), cpu ? part : part.toDevice(manager.getDevice(), true));
            }
        }
    }

    /** Values widened per step when loading a BF16 or F16 tensor, or written per step when saving (16 MB of float32). */
    static final int CHUNK = 1 << 22;
    private java.nio.ByteBuffer chunkBytes;

    private java.nio.FloatBuffer chunk() {
        if (chunkBytes == null) {
            chunkBytes = java.nio.ByteBuffer.allocateDirect(4 * CHUNK).order(java.nio.ByteOrder.nativeOrder());
        }
        return chunkBytes.asFloatBuffer();
    }

    @Override
    public void createZeros(String name, long[] shape, boolean trainable) {
        register(name, manager.zeros(new Shape(shape), DataType.FLOAT32), trainable);
    }

    private void register(String name, NDArray array, boolean trainable) {
        // Created inside a scope (lazily made optimiser moments), it must outlive the scope.
        NDScope.unregister(array);
        if (trainable) {
            array.setRequiresGradient(true);
            this.trainable.add(name);
        } else {
            this.trainable.remove(name);
        }
        NDArray previous = variables.put(name, array);
        if (previous != null) {
            gradients.remove(name);
            NDArray sum = accumulated.remove(name);
            if (sum != null) {
                sum.close();
            }
            previous.close();
        }
    }

    @Override
    public boolean contains(String name) {
        return variables.containsKey(name);
    }

    private NDArray array(String name) {
        NDArray a = variables.get(name);
        if (a == null) {
            throw new IllegalArgumentException("unknown variable " + name);
        }
        return a;
    }

    @Override
    public Tensor variable(String name) {
        return new DjlTensor(array(name));
    }

    @Override
    public void assign(String name, Tensor value) {
        NDArray target = array(name);
        NDArray source = ((DjlTensor) value).array;
        if (trainable.contains(name) || isVariable(source)) {
            // An in-place copy (torch's copy_), outside autograd: a parameter keeps its identity and .grad.
            target.set(new NDIndex(":"), source);
            return;
        }
        // A state variable (an optimiser moment) takes over the freshly computed array instead of
        // copying it: one memory pass less per moment and step.
        NDScope.unregister(source);
        variables.put(name, source);
        target.close();
    }

    /**
     * Whether an array is one of the variables themselves. By identity: DJL's equals compares
     * contents, a full pass over every same-shaped variable.
     */
    private boolean isVariable(NDArray array) {
        for (NDArray v : variables.values()) {
            if (v == array) {
                return true;
            }
        }
        return false;
    }

    /**
     * The parameter's gradient buffer, fetched once and kept. DJL's wrapper of {@code .grad}
     * aliases the tensor the parameter owns: closing it (as an NDScope would) frees memory
     * that later backward passes write into. So the wrapper is taken out of every scope and
     * manager and never closed; the parameter frees the buffer itself.
     */
    /**
     * A float32 parameter's {@code .grad}. A bfloat16 one's: its {@code .grad} (bfloat16) after a
     * single backward pass; after several (micro-batches), the float32 sum they were folded into.
     */
    @Override
    public Tensor gradient(String name) {
        if (summing && Bfloat16.is(array(name))) {
            if (unfolded) {
                foldNarrowGradients();
            }
            NDArray sum = accumulated.get(name);
            return sum == null ? null : new DjlTensor(sum);
        }
        NDArray g = autogradGradient(name);
        return g == null ? null : new DjlTensor(g);
    }

    /**
     * The parameter's {@code .grad} buffer, fetched once and kept. DJL's wrapper of {@code .grad}
     * aliases the tensor the parameter owns: closing it (as an NDScope would) frees memory
     * that later backward passes write into. So the wrapper is taken out of every scope and
     * manager and never closed; the parameter frees the buffer itself.
     */
    private NDArray autogradGradient(String name) {
        NDArray g = gradients.get(name);
        if (g == null) {
            g = JniUtils.getGradient((PtNDArray) array(name));
            if (g == null) {
                return null;
            }
            NDScope.unregister(g);
            g.detach();
            gradients.put(name, g);
        }
        return g;
    }

    @Override
    public void zeroGradients() {
        // backward accumulates into .grad: reset it in place (the buffer stays the one autograd writes).
        // Only trainable variables have one; asking the others would cost a JNI call each per step.
        NDArray zero = scalar(manager, 0f);
        for (String name : trainable) {
            NDArray g = autogradGradient(name);
            if (g != null) {
                g.muli(zero);
            }
            NDArray sum = accumulated.get(name);
            if (sum != null) {
                sum.muli(zero);
            }
        }
        zero.close();
        backwardsSinceZero = 0;
        summing = false;
        unfolded = false;
    }

    /** Backward passes since the gradients were last zeroed (micro-batches of the step so far). */
    private int backwardsSinceZero;
    /** Whether this step's bfloat16 gradients are summed in float32 (a second micro-batch came). */
    private boolean summing;
    /** Whether a backward pass added to {@code .grad} since the last fold. */
    private boolean unfolded;

    @Override
    public double[] backward(Supplier<Tensor[]> forward) {
        DjlTensor.readFusedSetting();
        if (backwardsSinceZero > 0 && unfolded) {
            // A further micro-batch: what the earlier ones left in bfloat16 .grad goes to float32 first.
            foldNarrowGradients();
        }
        double[] values;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Tensor[] results = forward.get();
            values = new double[results.length];
            for (int i = 0; i < results.length; i++) {
                values[i] = results[i].toScalar();
            }
            collector.backward(((DjlTensor) results[0]).array);
        }
        backwardsSinceZero++;
        unfolded = true;
        return values;
    }

    /**
     * Adds the bfloat16 {@code .grad} of every bfloat16 parameter into its float32 sum and zeroes
     * it, so a step's micro-batches add up in float32 rather than in bfloat16. Only steps of more
     * than one micro-batch pay for it (a pass per micro-batch, and 4 bytes per parameter for the
     * sums); a single backward pass leaves its gradient in {@code .grad}.
     */
    private void foldNarrowGradients() {
        NDArray zero = null;
        for (String name : trainable) {
            NDArray p = variables.get(name);
            if (!Bfloat16.is(p)) {
                continue;
            }
            NDArray g = autogradGradient(name);
            if (g == null) {
                continue;
            }
            NDArray sum = accumulated.get(name);
            if (sum == null) {
                sum = Bfloat16.widen(g);
                NDScope.unregister(sum);
                sum.attach(manager);
                accumulated.put(name, sum);
            } else {
                sum.addi(g); // zeroed with the gradients at the end of the last step
            }
            if (zero == null) {
                zero = scalar(manager, 0f);
            }
            g.muli(zero);
        }
        if (zero != null) {
            zero.close();
        }
        summing = true;
        unfolded = false;
    }

    @Override
    public Tensor sumOfSquares(List<Tensor> tensors) {
        if (!DjlTensor.fused("adamw")) {
            return TensorEngine.super.sumOfSquares(tensors);
        }
        NDList norms = new NDList(tensors.size());
        for (Tensor t : tensors) {
            PtNDArray a = (PtNDArray) ((DjlTensor) t).array;
            int[] axes = new int[a.getShape().dimension()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
            norms.add(Bfloat16.widen(JniUtils.norm(a, 2, axes, false))); // a bfloat16 gradient's norm, in float32
        }
        NDArray all = NDArrays.stack(norms);
        return new DjlTensor(JniUtils.norm((PtNDArray) all, 2, new int[] {0}, false).square());
    }

    /**
     * DJL's {@code adamUpdate} applies {@code lrbc * m / (sqrt(v) + eps')} with the raw moments;
     * with {@code lrbc = lr sqrt(bc2) / bc1} and {@code eps' = eps sqrt(bc2)} that is exactly
     * {@code lr (m / bc1) / (sqrt(v / bc2) + eps)}, the reference. Its clamp is off (-1); the
     * decoupled decay is asked for only when there is one (it costs three passes). With a
     * float32 master copy the update goes to the master, which is then rounded (nearest even)
     * into the bfloat16 parameter by one converting copy.
     */
    @Override
    public void adamW(String parameter, String master, String firstMoment, String secondMoment, Tensor gradient,
                      AdamWStep step) {
        if (!DjlTensor.fused("adamw")) {
            TensorEngine.super.adamW(parameter, master, firstMoment, secondMoment, gradient, step);
            return;
        }
        String target = master == null ? parameter : master;
        double root = Math.sqrt(step.bias2());
        NDArray g = ((DjlTensor) gradient).array;
        // A single micro-batch's bfloat16 gradient, widened for this update only (freed right after).
        NDArray wide = Bfloat16.widen(g);
        JniUtils.adamUpdate((PtNDArray) array(target), (PtNDArray) wide,
                (PtNDArray) array(firstMoment), (PtNDArray) array(secondMoment), (float) step.learningRate(),
                (float) (step.learningRate() * root / step.bias1()), (float) step.weightDecay(),
                (float) step.gradientScale(), -1f, (float) step.beta1(), (float) step.beta2(),
                (float) (step.epsilon() * root), step.weightDecay() > 0);
        if (wide != g) {
            wide.close();
        }
        if (master != null) {
            array(parameter).set(new NDIndex(":"), array(master));
        }
    }

    @Override
    public void adamW(String parameter, String firstMoment, String secondMoment, Tensor gradient, AdamWStep step) {
        adamW(parameter, null, firstMoment, secondMoment, gradient, step);
    }

    /**
     * The draw in libtorch: ban mask, softmax at the temperature, then either the cumulative
     * sum inverted at each row's uniform (no truncation) or the rows sorted, truncated by
     * top-k and top-p ({@code cumsum - p < top_p}, as the host sampler's loop) and inverted
     * within the kept mass; the chosen token's temperature-1 log-prob is gathered there too.
     * Only 2 B floats come back (ids are exact in float32 below 2^24).
     */
    @Override
    public TokenDraw drawTokens(Tensor logits, int[] banned, double temperature, int topK, double topP,
                                double[] uniforms) {
        if (!DjlTensor.fused("sample")) {
            return TensorEngine.super.drawTokens(logits, banned, temperature, topK, topP, uniforms);
        }
        // float32 logits: the draw and the log-prob in float32 (as the scoring's log-softmax).
        NDArray x = Bfloat16.widen(((DjlTensor) logits).array);
        NDManager m = x.getManager();
        int rows = (int) x.getShape().get(0);
        int vocab = (int) x.getShape().get(1);
        DrawConstants constants = drawConstants(vocab, banned);
        if (banned.length > 0) {
            x = x.add(constants.banMask);
        }
        NDArray tokens;
        if (temperature == 0) {
            tokens = x.argMax(1);
        } else {
            float[] u = new float[rows];
            for (int r = 0; r < rows; r++) {
                u[r] = (float) uniforms[r];
            }
            NDArray uniform = DjlTensor.owned(m.create(u, new Shape(rows, 1)));
            NDArray probs = (temperature == 1 ? x : x.mul((float) (1 / temperature))).softmax(1);
            NDArray positions = constants.positions;
            if (topK == 0 && topP >= 1) {
                NDArray cdf = probs.cumSum(1);
                NDArray target = uniform.mul(cdf.get(":, " + (vocab - 1) + ":"));
                NDArray index = cdf.lte(target).toType(DataType.INT64, false).sum(new int[] {1});
                // u * total can round up to the total: stay on a token that has mass.
                NDArray lastPossible = positions.mul(probs.gt(0f).toType(DataType.FLOAT32, false))
                        .max(new int[] {1}).toType(DataType.INT64, false);
                tokens = NDArrays.minimum(index, lastPossible);
            } else {
                NDArray order = probs.argSort(1, false);
                NDArray sorted = probs.gather(order, 1);
                NDArray before = sorted.cumSum(1).sub(sorted);
                NDArray keep = before.lt((float) topP);
                if (topK > 0) {
                    keep = keep.logicalAnd(positions.lt((float) topK));
                }
                NDArray kept = sorted.mul(keep.toType(DataType.FLOAT32, false));
                NDArray cdf = kept.cumSum(1);
                NDArray target = uniform.mul(cdf.get(":, " + (vocab - 1) + ":"));
                NDArray index = cdf.lte(target).toType(DataType.INT64, false).sum(new int[] {1});
                NDArray lastKept = keep.toType(DataType.INT64, false).sum(new int[] {1}).sub(1L);
                index = NDArrays.minimum(index, lastKept);
                tokens = order.gather(index.expandDims(1), 1).squeeze(1);
            }
        }
        NDArray logp = x.logSoftmax(1).gather(tokens.expandDims(1), 1).squeeze(1);
        float[] both = NDArrays.concat(new NDList(tokens.toType(DataType.FLOAT32, false), logp)).toFloatArray();
        int[] ids = new int[rows];
        float[] logps = new float[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = (int) both[r];
            logps[r] = both[rows + r];
        }
        return new TokenDraw(ids, logps);
    }

    /** The ban mask and the vocabulary positions of a decode, made once and kept while the vocabulary and bans stay. */
    private record DrawConstants(int vocab, int[] banned, NDArray banMask, NDArray positions) {
    }

    private DrawConstants draw;

    private DrawConstants drawConstants(int vocab, int[] banned) {
        if (draw != null && draw.vocab == vocab && java.util.Arrays.equals(draw.banned, banned)) {
            return draw;
        }
        if (draw != null) {
            draw.banMask.close();
            draw.positions.close();
        }
        float[] mask = new float[vocab];
        for (int id : banned) {
            mask[id] = Float.NEGATIVE_INFINITY;
        }
        NDArray banMask = DjlTensor.owned(manager.create(mask));
        NDArray positions = manager.arange(0f, (float) vocab, 1f);
        NDScope.unregister(banMask);
        NDScope.unregister(positions);
        draw = new DrawConstants(vocab, banned.clone(), banMask, positions);
        return draw;
    }

    @Override
    public float[] read(String name) {
        return array(name).toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * Streams a variable in a stored dtype, {@link #CHUNK} values at a time, converted from the
     * engine's own dtype by libtorch (bfloat16 to BF16 as it is; float32 to BF16 rounded to
     * nearest even; F16 through float32): the host holds one chunk, never the tensor.
     */
    @Override
    public void write(String name, String storedDtype, java.io.OutputStream out) throws java.io.IOException {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            TensorEngine.super.write(name, storedDtype, out);
            return;
        }
        NDArray whole = array(name);
        long count = whole.getShape().size();
        byte[] buffer = null;
        try (NDScope all = new NDScope()) { // every array made here is closed with it
            all.suppressNotUsedWarning();
            NDArray flat = whole.stopGradient().reshape(new Shape(count));
            for (long from = 0; from < count; from += CHUNK) {
                long to = Math.min(count, from + CHUNK);
                try (NDScope chunk = new NDScope()) {
                    chunk.suppressNotUsedWarning();
                    NDArray part = flat.get(new NDIndex(from + ":" + to));
                    NDArray stored = switch (storedDtype) {
                        case "BF16" -> Bfloat16.narrow(part);
                        case "F32" -> Bfloat16.widen(part);
                        case "F16" -> Bfloat16.widen(part).toType(DataType.FLOAT16, false);
                        default -> throw new java.io.IOException("variable " + name + ": cannot store " + storedDtype
                                + "; valid: F32, BF16, F16");
                    };
                    java.nio.ByteBuffer bytes = stored.toByteBuffer();
                    int n = bytes.remaining();
                    if (buffer == null || buffer.length < n) {
                        buffer = new byte[n];
                    }
                    bytes.get(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
        }
    }

    @Override
    public long[] shape(String name) {
        return array(name).getShape().getShape();
    }

    @Override
    public void close() {
        manager.close();
    }

    private static final String FLOAT32 = "float32";
    private static final String BFLOAT16 = "bfloat16";
}
