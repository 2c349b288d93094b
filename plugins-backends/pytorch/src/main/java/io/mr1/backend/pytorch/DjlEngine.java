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
 */
final class DjlEngine implements TensorEngine {

    private final NDManager manager;
    private final TensorFactory tensors;
    private final Map<String, NDArray> variables = new LinkedHashMap<>();
    private final Map<String, NDArray> gradients = new HashMap<>();
    private final Set<String> trainable = new HashSet<>();

    DjlEngine(NDManager manager) {
        this.manager = manager;
        this.tensors = DjlTensor.factory(manager);
    }

    @Override
    public TensorFactory tensors() {
        return tensors;
    }

    @Override
    public <T> T scoped(Supplier<T> work) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return work.get();
        }
    }

    @Override
    public void create(String name, float[] values, long[] shape, boolean trainable) {
        register(name, DjlTensor.owned(manager.create(values, new Shape(shape))), trainable);
    }

    /**
     * Copies a checkpoint tensor into libtorch without a Java-heap or whole-tensor host copy.
     * F32: a CPU tensor over the mapped bytes (no copy), cloned into libtorch's memory. BF16 and
     * F16 (libtorch through DJL cannot wrap them): the float32 tensor is allocated once and filled
     * chunk by chunk, each chunk widened into one reusable direct buffer, so the host holds the
     * float32 weights plus {@link #CHUNK} values, never a second copy of a tensor.
     */
    @Override
    public void create(String name, java.nio.ByteBuffer bytes, String dtype, long[] shape, boolean trainable) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (!bytes.isDirect() || !(dtype.equals("F32") || dtype.equals("BF16") || dtype.equals("F16"))) {
            TensorEngine.super.create(name, bytes, dtype, shape, trainable);
            return;
        }
        java.nio.ByteBuffer source = bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        source.position(0);
        NDArray result;
        try (NDManager host = manager.newSubManager(Device.cpu())) {
            if (dtype.equals("F32") && java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN) {
                NDArray view = host.create(source.order(java.nio.ByteOrder.nativeOrder()), new Shape(shape),
                        DataType.FLOAT32);
                // A clone on the CPU, a transfer elsewhere: never an alias of the mapping, unmapped after this call.
                result = manager.getDevice().equals(Device.cpu()) ? view.duplicate()
                        : view.toDevice(manager.getDevice(), true);
            } else {
                result = manager.zeros(new Shape(shape), DataType.FLOAT32);
                NDArray flat = result.reshape(new Shape(count)); // a view: writing it fills result
                java.nio.FloatBuffer chunk = chunk();
                boolean bf16 = dtype.equals("BF16");
                for (long from = 0; from < count; from += CHUNK) {
                    int n = (int) Math.min(CHUNK, count - from);
                    for (int i = 0; i < n; i++) {
                        short bits = source.getShort((int) (2 * (from + i)));
                        chunk.put(i, bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16)
                                : io.mr1.models.SafeTensors.halfToFloat(bits));
                    }
                    java.nio.ByteBuffer window = chunkBytes.duplicate().order(java.nio.ByteOrder.nativeOrder());
                    window.limit(4 * n);
                    try (NDArray part = host.create(window, new Shape(n), DataType.FLOAT32)) {
                        flat.set(new NDIndex(from + ":" + (from + n)), manager.getDevice().equals(Device.cpu()) ? part
                                : part.toDevice(manager.getDevice(), true));
                    }
                }
                flat.close();
            }
            result.attach(manager);
        }
        register(name, result, trainable);
    }

    /** Values widened per step when loading a BF16 or F16 tensor (16 MB of float32). */
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
    @Override
    public Tensor gradient(String name) {
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
        return new DjlTensor(g);
    }

    @Override
    public void zeroGradients() {
        // backward accumulates into .grad: reset it in place (the buffer stays the one autograd writes).
        // Only trainable variables have one; asking the others would cost a JNI call each per step.
        for (String name : trainable) {
            if (gradients.containsKey(name) || gradient(name) != null) {
                gradients.get(name).muli(0);
            }
        }
    }

    @Override
    public double[] backward(Supplier<Tensor[]> forward) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Tensor[] results = forward.get();
            double[] values = new double[results.length];
            for (int i = 0; i < results.length; i++) {
                values[i] = results[i].toScalar();
            }
            collector.backward(((DjlTensor) results[0]).array);
            return values;
        }
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
            norms.add(JniUtils.norm(a, 2, axes, false));
        }
        NDArray all = NDArrays.stack(norms);
        return new DjlTensor(JniUtils.norm((PtNDArray) all, 2, new int[] {0}, false).square());
    }

    /**
     * DJL's {@code adamUpdate} applies {@code lrbc * m / (sqrt(v) + eps')} with the raw moments;
     * with {@code lrbc = lr sqrt(bc2) / bc1} and {@code eps' = eps sqrt(bc2)} that is exactly
     * {@code lr (m / bc1) / (sqrt(v / bc2) + eps)}, the reference. Its clamp is off (-1); the
     * decoupled decay is asked for only when there is one (it costs three passes).
     */
    @Override
    public void adamW(String parameter, String firstMoment, String secondMoment, Tensor gradient, AdamWStep step) {
        if (!DjlTensor.fused("adamw")) {
            TensorEngine.super.adamW(parameter, firstMoment, secondMoment, gradient, step);
            return;
        }
        double root = Math.sqrt(step.bias2());
        JniUtils.adamUpdate((PtNDArray) array(parameter), (PtNDArray) ((DjlTensor) gradient).array,
                (PtNDArray) array(firstMoment), (PtNDArray) array(secondMoment), (float) step.learningRate(),
                (float) (step.learningRate() * root / step.bias1()), (float) step.weightDecay(),
                (float) step.gradientScale(), -1f, (float) step.beta1(), (float) step.beta2(),
                (float) (step.epsilon() * root), step.weightDecay() > 0);
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
        NDArray x = ((DjlTensor) logits).array;
        NDManager m = x.getManager();
        int rows = (int) x.getShape().get(0);
        int vocab = (int) x.getShape().get(1);
        if (banned.length > 0) {
            float[] mask = new float[vocab];
            for (int id : banned) {
                mask[id] = Float.NEGATIVE_INFINITY;
            }
            x = x.add(DjlTensor.owned(m.create(mask)));
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
            NDArray positions = m.arange(0f, (float) vocab, 1f);
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

    @Override
    public float[] read(String name) {
        return array(name).toFloatArray();
    }

    @Override
    public long[] shape(String name) {
        return array(name).getShape().getShape();
    }

    @Override
    public void close() {
        manager.close();
    }
}
